// Extra CA certificates for registry TLS. bin/podrun moves NODE_EXTRA_CA_CERTS (which Node 20
// would parse on every start-up) to PODRUN_EXTRA_CA_CERTS; this loads that file only when a
// registry connection needs it, added to Node's own roots as Node would have done.
import { readFileSync } from 'fs';
import { rootCertificates } from 'tls';
import { log } from '../util/diagnostics';

let cached: { file: string; ca: string[] } | undefined;

/**
 * The `ca` option for https requests, or undefined for Node's defaults. An unreadable file is
 * ignored with a warning, as Node does with NODE_EXTRA_CA_CERTS.
 */
export function extraCa(env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  const file = env.PODRUN_EXTRA_CA_CERTS;
  if (!file) return undefined;
  if (cached?.file !== file) {
    let ca: string[] = [];
    try {
      ca = [...rootCertificates, readFileSync(file, 'utf8')];
    } catch (e) {
      log().warn(`ignoring extra CA certificates from ${file}: ${(e as Error).message}`);
    }
    cached = { file, ca };
  }
  return cached.ca.length ? cached.ca : undefined;
}
