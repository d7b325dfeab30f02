// The module graph podrun keeps (docs/architecture.md, "Module graph"), checked by `npm test`.
// Layers, top to bottom: cli -> runtime -> plan -> manifest | images -> state -> util. A module may
// import its own layer and the ones below. Upward imports are allowed only for types (`import
// type`), and only of the data types that flow through the layers: a record in state holds a
// plan and a manifest (or a ConfigMap, Secret or claim, or a workload), a plan holds resolved images.
const LAYERS = ['cli', 'runtime', 'plan', 'manifest', 'images', 'state', 'util'];
const below = { cli: 1, runtime: 2, plan: 3, manifest: 4, images: 4, state: 5, util: 6 };
const DATA_TYPES = '^src/(plan/types|manifest/schema|manifest/load|manifest/objects|manifest/workload-schema|images/types|util/paths)\\.ts$';

const layerRules = LAYERS.map((layer) => {
  const higher = LAYERS.filter((l) => below[l] < below[layer] || (below[l] === below[layer] && l !== layer));
  return {
    name: `layer-${layer}`,
    comment: `src/${layer} may not import ${higher.join(', ')} (values); types only from the flow's data types`,
    severity: 'error',
    from: { path: `^src/${layer}/` },
    to: {
      path: `^src/(${higher.join('|')})/`,
      pathNot: DATA_TYPES,
    },
  };
});

const typeOnlyUpward = LAYERS.map((layer) => {
  const higher = LAYERS.filter((l) => below[l] < below[layer] || (below[l] === below[layer] && l !== layer));
  return {
    name: `layer-${layer}-types`,
    comment: `src/${layer} may import the flow's data types from above it, but only as types`,
    severity: 'error',
    from: { path: `^src/${layer}/` },
    to: { path: DATA_TYPES, pathNot: `^src/(${['', ...LAYERS.filter((l) => !higher.includes(l))].filter(Boolean).join('|')})/`, dependencyTypesNot: ['type-only'] },
  };
});

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'no module may reach itself through value imports',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] }, dependencyTypesNot: ['type-only'] },
    },
    ...layerRules,
    ...typeOnlyUpward,
    {
      name: 'plan-is-pure',
      comment: 'src/plan computes data from data: no file system, processes, network, addon or clock-bound state',
      severity: 'error',
      from: { path: '^src/plan/' },
      to: {
        path: '^(fs|fs/promises|child_process|net|dgram|http|https|tls|worker_threads|cluster|src/util/(native|diagnostics|uuid)\\.ts|src/state/)',
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'dry-run-has-no-effects',
      comment: 'apply --dry-run must not load the modules that create, stop or remove pods',
      severity: 'error',
      from: { path: '^src/runtime/dryrun\\.ts$' },
      to: { path: '^src/(runtime/(apply|stop|prepare|helper/start-monitor)|state/lock)\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'one-addon-loader',
      comment: 'only src/util/native.ts loads the addon',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/util/native\\.ts$' },
      to: { path: '(node-gyp-build|\\.node$)' },
    },
    {
      name: 'helper-contract-in-one-place',
      comment: 'podrun-helper is spawned and its files are read only through src/runtime/helper',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/runtime/helper/' },
      to: { path: '^src/runtime/helper/(binary|start-monitor|handshake|launch-file|exec-args|state-files|failures)\\.ts$', pathNot: '^src/runtime/helper/index\\.ts$' },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|test|bench|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exoticRequireStrings: [],
  },
};
