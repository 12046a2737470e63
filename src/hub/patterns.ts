// --include globs, matched as huggingface_hub's snapshot_download matches allow_patterns
// (utils/_paths.py filter_repo_objects): Python's fnmatch on the whole repo path, where '*' also
// crosses '/' ('*.json' matches 'unet/config.json'), '?' is one character, '[abc]' / '[!abc]' a
// set; a pattern ending in '/' means everything under that folder (_add_wildcard_to_directories).

/** Python's fnmatch.translate, case-sensitive (fnmatch's normcase is the identity on POSIX). */
export function globToRegExp(pattern: string): RegExp {
  if (pattern.endsWith('/')) pattern += '*';
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') {
      out += '.*';
      while (pattern[i + 1] === '*') i++;
    } else if (c === '?') out += '.';
    else if (c === '[') {
      // A set runs to the next ']' (a ']' right after '[' or '[!' is a member); without one, '[' is literal.
      let j = i + 1;
      if (pattern[j] === '!') j++;
      if (pattern[j] === ']') j++;
      while (j < pattern.length && pattern[j] !== ']') j++;
      if (j >= pattern.length) out += '\\[';
      else {
        let set = pattern.slice(i + 1, j).replaceAll('\\', '\\\\').replaceAll(']', '\\]');
        if (set.startsWith('!')) set = `^${set.slice(1)}`;
        else if (set.startsWith('^')) set = `\\${set}`;
        out += `[${set}]`;
        i = j;
      }
    } else out += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  // fnmatch anchors both ends and lets '.' match newlines ((?s:...)\Z).
  return new RegExp(`^(?:${out})$`, 's');
}

/** The paths matching at least one pattern, in their order; every path when no pattern is given. */
export function filterPaths(paths: readonly string[], include: readonly string[] | undefined): string[] {
  if (!include || include.length === 0) return [...paths];
  const res = include.map(globToRegExp);
  return paths.filter((p) => res.some((r) => r.test(p)));
}
