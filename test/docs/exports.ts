// The public surface, export by export: what `import ... from 'dlab'`, 'dlab/io' and 'dlab/datasets'
// give a user, namespaces (nn, optim, models, ...) walked into, each export with whether it has a
// TSDoc comment (`/** ... */`, the kind TypeDoc reads; a `//` line is invisible to the reference).

import ts from 'typescript';

/** The entry points of package.json's "exports", by the name a user imports them under. */
export const ENTRY_POINTS: Record<string, string> = {
  dlab: 'src/index.ts',
  // `utils` is an object (`{ data, ...utils }`), not a re-exported module: its members are walked here.
  'dlab.utils': 'src/utils/index.ts',
  'dlab/io': 'src/io/node.ts',
  'dlab/datasets': 'src/datasets/index.ts',
};

export interface PublicExport {
  /** Dotted name as a user writes it: `dlab.nn.Conv2d`. */
  name: string;
  /** Where it is declared, `src/nn/modules/conv.ts:12`. */
  where: string;
  documented: boolean;
}

/** Every export reachable from the entry points, each once under its first dotted name. */
export function publicExports(root: string): PublicExport[] {
  const files = Object.values(ENTRY_POINTS).map((f) => `${root}/${f}`);
  const program = ts.createProgram(files, { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, noEmit: true });
  const checker = program.getTypeChecker();
  const found: PublicExport[] = [];
  const seen = new Set<ts.Symbol>();

  const walk = (module: ts.Symbol, prefix: string) => {
    for (const exported of checker.getExportsOfModule(module)) {
      const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const name = `${prefix}.${exported.name}`;
      const namespace = target.declarations?.find(ts.isSourceFile);
      if (namespace) {
        // `export * as nn from './nn/index.js'`: the comment sits on the export declaration.
        const declaration = exported.declarations?.[0];
        if (declaration) found.push({ name, where: location(declaration), documented: hasDocComment(declaration) });
        if (!seen.has(target)) {
          seen.add(target);
          walk(target, name);
        }
        continue;
      }
      if (seen.has(target)) continue;
      seen.add(target);
      const declarations = target.declarations ?? [];
      if (declarations.length === 0) continue;
      found.push({ name, where: location(declarations[0]), documented: declarations.some(hasDocComment) });
    }
  };
  for (const [entry, file] of Object.entries(ENTRY_POINTS)) {
    const source = program.getSourceFile(`${root}/${file}`);
    const module = source && checker.getSymbolAtLocation(source);
    if (!module) throw new Error(`entry point ${file} did not load`);
    walk(module, entry);
  }
  return found;

  function location(node: ts.Node): string {
    const source = node.getSourceFile();
    const line = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
    return `${source.fileName.slice(root.length + 1)}:${line}`;
  }
}

/** A `/** ... *\/` comment right above the statement that declares `node`. */
function hasDocComment(node: ts.Node): boolean {
  let statement: ts.Node = node;
  // `export const a = ...` is declared by a VariableDeclaration inside a VariableStatement;
  // `export { a } from` by an ExportSpecifier inside an ExportDeclaration.
  while (statement.parent && !ts.isSourceFile(statement.parent) && !ts.isModuleBlock(statement.parent)) statement = statement.parent;
  const text = statement.getSourceFile().getFullText();
  const comments = ts.getLeadingCommentRanges(text, statement.getFullStart()) ?? [];
  return comments.some((c) => text.startsWith('/**', c.pos) && text.slice(c.pos + 3, c.end - 2).trim() !== '');
}
