// The playground's engine side (experiment 0): settings and their URL hash, features, data, the
// model and training loop, and "Show me the code". Browser-safe; the page and its worker import it.

export * from './settings.js';
export * from './features.js';
export * from './data.js';
export * from './model.js';
export * from './trainer.js';
export * from './codegen.js';
