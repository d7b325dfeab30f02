// `$(VAR)` expansion exactly as Kubernetes does it (third_party/forked/golang/expansion):
// `$(NAME)` is replaced when NAME is known and left as written otherwise, `$$` is a literal `$`
// (so `$$(VAR)` yields `$(VAR)`), and any other `$` stays as it is.

/**
 * `maxLength` bounds the work: once the output passes it, the expansion stops and returns what it
 * has (longer than `maxLength`, so the caller's size check refuses it). Without it, variables that
 * each refer to the one before twice double at every step: 40 of them would need 2^40 times the
 * first value.
 */
export function expand(input: string, lookup: (name: string) => string | undefined, maxLength = Infinity): string {
  let out = '';
  let checkpoint = 0;
  // Once no `)` follows some `$(`, none follows a later one: the search for it is done once, not
  // once per `$(` (a value of 60 000 `$(` would otherwise take billions of steps).
  let noClose = false;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] !== '$' || cursor + 1 >= input.length) continue;
    out += input.slice(checkpoint, cursor);
    const next = input[cursor + 1];
    let advance = 1;
    if (next === '$') out += '$';
    else if (next === '(') {
      const close = noClose ? -1 : input.indexOf(')', cursor + 2);
      if (close < 0) {
        noClose = true;
        out += '$(';
      } else {
        const name = input.slice(cursor + 2, close);
        const v = lookup(name);
        out += v ?? `$(${name})`;
        advance = close - cursor;
      }
    } else out += `$${next}`;
    cursor += advance;
    checkpoint = cursor + 1;
    if (out.length > maxLength) return out;
  }
  return out + input.slice(checkpoint);
}
