// `torch.linalg`: norms, determinants, inverses, solvers and decompositions (one file per concern
// beside this one), and the products PyTorch files under linalg.

export { vectorNorm, matrixNorm, norm, type NormOptions } from './norms.js';
export { det, slogdet, inv, invEx, solve, solveEx, lu, luFactor, luFactorEx, luSolve } from './lu.js';
export { cholesky, choleskyEx } from './cholesky.js';
export { solveTriangular, type TriangularOptions } from './triangular.js';
export { pinv, matrixRank, type Tolerances } from './pinv.js';
export { qr, type QrMode } from './qr.js';
export { eigh, eigvalsh } from './eigh.js';
export { svd, svdvals } from './svd.js';
export { matrixPower, multiDot, vecdot, cross } from './products.js';
export { matrixExp } from './matrix_exp.js';
export { lstsq, type LstsqDriver, type LstsqResult } from './lstsq.js';
export { LinAlgError } from './matrices.js';
export { matmul } from '../linalg.js';
