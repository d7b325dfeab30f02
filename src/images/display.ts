// Human-readable forms for image listings: docker-style sizes, relative times, short ids, and the
// `image inspect` document.
import { shortId } from '../util/digest';
import { splitStoreName } from './reference';
import type { ImageRecord, ImageStore } from './store';
import { chainIds } from './store';

/** docker's units: decimal, 3 significant digits: 4.86MB, 1.2GB, 512B. */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : Number(v.toPrecision(3))}${units[i]}`;
}

/** "5 minutes ago", "About an hour ago", "3 days ago" (docker's go-units HumanDuration). */
export function timeAgo(iso: string | undefined, now = Date.now()): string {
  if (!iso) return 'N/A';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return 'N/A';
  const s = Math.max(0, Math.round((now - t) / 1000));
  const ago = (x: string) => `${x} ago`;
  if (s < 1) return 'Less than a second ago';
  if (s === 1) return ago('1 second');
  if (s < 60) return ago(`${s} seconds`);
  const m = Math.floor(s / 60);
  if (m === 1) return ago('About a minute');
  if (m < 60) return ago(`${m} minutes`);
  const h = Math.round(s / 3600);
  if (h === 1) return ago('About an hour');
  if (h < 48) return ago(`${h} hours`);
  if (h < 24 * 7 * 2) return ago(`${Math.floor(h / 24)} days`);
  if (h < 24 * 30 * 2) return ago(`${Math.floor(h / 24 / 7)} weeks`);
  if (h < 24 * 365 * 2) return ago(`${Math.floor(h / 24 / 30)} months`);
  return ago(`${Math.floor(h / 24 / 365)} years`);
}


export interface ImageRow {
  repository: string;
  tag: string;
  id: string;
  imageId: string;
  manifestDigest: string;
  created: string | undefined;
  size: number;
}

/** One row per name (a dangling image gets one <none> row), newest first. */
export function imageRows(records: ImageRecord[]): ImageRow[] {
  const rows: ImageRow[] = [];
  for (const r of records) {
    const base = { id: shortId(r.imageId), imageId: r.imageId, manifestDigest: r.manifestDigest, created: r.created ?? r.addedAt, size: r.size };
    if (!r.names.length) rows.push({ repository: '<none>', tag: '<none>', ...base });
    for (const n of r.names) {
      const s = splitStoreName(n);
      rows.push({ repository: s.repository, tag: s.digest ? `<none>` : s.tag, ...base });
    }
  }
  return rows;
}


/** `podrun image inspect` document for one image (docker-like keys plus the store's view). */
export async function inspectDocument(store: ImageStore, rec: ImageRecord): Promise<Record<string, unknown>> {
  const { config, manifest } = await store.readImage(rec);
  const chains = chainIds(rec.layers.map((l) => l.diffId));
  const { existsSync } = require('fs') as typeof import('fs');
  const { join } = require('path') as typeof import('path');
  return {
    Id: rec.imageId,
    RepoTags: rec.names.filter((n) => !n.includes('@')),
    RepoDigests: [...new Set([...rec.names.filter((n) => n.includes('@')), ...rec.repoDigests])],
    Created: config.created ?? null,
    Author: config.author ?? '',
    Architecture: config.architecture,
    Os: config.os,
    ...(config.variant ? { Variant: config.variant } : {}),
    Size: rec.size,
    Config: config.config ?? {},
    RootFS: { Type: 'layers', Layers: config.rootfs.diff_ids },
    History: config.history ?? [],
    Manifest: { digest: rec.manifestDigest, mediaType: rec.manifestMediaType, annotations: manifest.annotations ?? {} },
    Layers: rec.layers.map((l, i) => {
      const dir = join(store.layerDir(chains[i]), 'diff');
      return { digest: l.digest, mediaType: l.mediaType, size: l.size, diffId: l.diffId, chainId: chains[i], dir: existsSync(dir) ? dir : null };
    }),
    AddedAt: rec.addedAt,
  };
}

export interface HistoryRow {
  /** the image's id on the top row, `<missing>` below it (docker's: those layers have no image of their own here) */
  id: string;
  created?: string;
  createdBy: string;
  size: number;
  comment: string;
}

/**
 * `podrun history`: the config's history, newest first, each entry that made a layer paired
 * with that layer's size (in order: entries marked empty_layer made none), as docker history.
 */
export function historyRows(imageId: string, history: Array<{ created?: string; created_by?: string; comment?: string; empty_layer?: boolean }>, layerSizes: number[]): HistoryRow[] {
  let layer = 0;
  const rows = history.map((h) => ({
    id: '<missing>',
    created: h.created,
    createdBy: h.created_by ?? '',
    size: h.empty_layer ? 0 : (layerSizes[layer++] ?? 0),
    comment: h.comment ?? '',
  }));
  rows.reverse();
  if (rows.length) rows[0].id = imageId;
  return rows;
}
