// Python's argument binding for PyTorch signatures spelled in TypeScript: positional values in
// order, then a trailing options object for keywords. Every PyTorch argument may be given by
// keyword, so `new nn.Conv2d({ inChannels: 1, outChannels: 6, kernelSize: 5 })` and
// `init.normal_(w, { std: 0.01 })` bind as `new nn.Conv2d(1, 6, 5)` and `init.normal_(w, 0, 0.01)`.

/** A plain `{ ... }` object: the keyword arguments (never a tensor, an array or a class instance). */
function isKeywords(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * Bind `args` to the positional parameters `names` (the first `required` of them required):
 * a trailing plain object holds keywords, which may name any of them or be other options
 * (when `keywordOnly` lists those, any other name is refused).
 * Returns each parameter's value (undefined where absent) and then the keywords left over.
 * A parameter given both ways, a missing required one, too many positional values or an
 * unknown keyword is refused, with Python's words.
 */
export function bindArgs<P extends unknown[], O extends object>(
  fn: string,
  names: readonly string[],
  args: readonly unknown[],
  required = names.length,
  keywordOnly?: readonly string[],
): [...P, O] {
  const last = args[args.length - 1];
  const keywords = isKeywords(last) ? { ...last } : {};
  const positional = isKeywords(last) ? args.slice(0, -1) : args;
  if (positional.length > names.length) {
    throw new TypeError(`${fn}() takes ${names.length} positional arguments but ${positional.length} were given`);
  }
  // Python names an unknown keyword before a missing argument.
  const unexpected = keywordOnly && Object.keys(keywords).find((k) => !names.includes(k) && !keywordOnly.includes(k));
  if (unexpected) throw new TypeError(`${fn}() got an unexpected keyword argument '${unexpected}'`);
  const values = names.map((name, i) => {
    const byKeyword = name in keywords ? keywords[name] : undefined;
    if (i < positional.length && positional[i] !== undefined) {
      if (byKeyword !== undefined) throw new TypeError(`${fn}() got multiple values for argument '${name}'`);
      delete keywords[name];
      return positional[i];
    }
    delete keywords[name];
    if (byKeyword === undefined && i < required) throw new TypeError(`${fn}() missing required argument: '${name}'`);
    return byKeyword;
  });
  return [...values, keywords] as [...P, O];
}

/**
 * The argument lists of a call with positional parameters P and keywords K (which may also
 * name the parameters): any prefix of P, then optionally K.
 */
export type PyArgs<P extends unknown[], K> = P extends [infer H, ...infer R] ? [options?: K] | [H | undefined, ...PyArgs<R, K>] : [options?: K];
