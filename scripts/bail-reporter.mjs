// A node:test reporter for mutation runs (scripts/mutate.mjs): the first failing test ends the
// process with exit code 1, since one failure is all Stryker needs to call a mutant killed. Node 20
// has no --test-bail; without this a killed mutant still ran its whole test file.
// `test:complete` comes as each test finishes (`test:fail` only in declaration order); a failing
// `todo` test is not a failure.
export default async function* bailOnFirstFailure(source) {
  for await (const event of source) {
    const failed =
      (event.type === 'test:complete' && !event.data.details.passed) || event.type === 'test:fail';
    if (failed && !event.data.todo) {
      const error = event.data.details?.error;
      process.stderr.write(`bail: '${event.data.name}' failed: ${String(error?.cause?.message ?? error?.message ?? error).slice(0, 300)}\n`);
      process.exit(1);
    }
    if (event.type === 'test:diagnostic' && /^(tests|pass|fail) /.test(event.data.message)) yield `${event.data.message}\n`;
  }
}
