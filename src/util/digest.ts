/** The 12 hex digits of a digest that `images`, pulls and messages show: `sha256:0123…` -> `0123456789ab`. */
export function shortId(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}
