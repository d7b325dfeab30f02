// The one errno table: numbers from the kernel (through the addon or podrun-helper's records)
// become Node's code names (`ENOENT`) here and nowhere else.
import { constants } from 'os';

const NAMES = new Map<number, string>(Object.entries(constants.errno).map(([name, n]) => [n as number, name]));

/** `2` -> `ENOENT`; an errno Node does not name -> `errno 1234`. */
export function errnoName(n: number): string {
  return NAMES.get(n) ?? `errno ${n}`;
}
