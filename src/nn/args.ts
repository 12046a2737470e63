// The argument binder lives with the ops (creation ops bind PyTorch's keywords too, and ops may not
// import from nn); nn's modules and init keep importing it from here.
export { bindArgs, type PyArgs } from '../ops/args.js';
