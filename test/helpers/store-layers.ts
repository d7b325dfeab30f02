// Reading what a test put in the image store straight from its files (docs: src/images/store.ts):
// the name index, the manifest, and a layer blob read with podrun's own tar reader.
import { createReadStream, readFileSync } from 'fs';
import { join } from 'path';
import { createGunzip } from 'zlib';
import { readTar, TarHeader } from '../../src/images/tar';

export interface LayerEntry {
  h: TarHeader;
  body: Buffer;
}

/** The blob path of the last layer of NAME:TAG in the store under `root`. */
export function topLayerBlob(root: string, repo: string, tag: string): string {
  const images = join(root, 'images');
  const index = JSON.parse(readFileSync(join(images, 'index.json'), 'utf8')) as { names: Record<string, string> };
  const key = Object.keys(index.names).find((k) => k.endsWith(`/${repo}:${tag}`) || k === `${repo}:${tag}`);
  if (!key) throw new Error(`${repo}:${tag} is not in the store (${Object.keys(index.names).join(', ')})`);
  const blob = (d: string) => join(images, 'blobs', 'sha256', d.slice('sha256:'.length));
  const manifest = JSON.parse(readFileSync(blob(index.names[key]), 'utf8')) as { layers: { digest: string }[] };
  return blob(manifest.layers[manifest.layers.length - 1].digest);
}

/** Every entry of the last layer of NAME:TAG, with its body. */
export async function topLayerEntries(root: string, repo: string, tag: string): Promise<LayerEntry[]> {
  const out: LayerEntry[] = [];
  for await (const { header, body } of readTar(createReadStream(topLayerBlob(root, repo, tag)).pipe(createGunzip()))) {
    const chunks: Buffer[] = [];
    for await (const b of body) chunks.push(b as Buffer);
    out.push({ h: header, body: Buffer.concat(chunks) });
  }
  return out;
}
