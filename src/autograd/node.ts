// A node of the backward graph (PyTorch's grad_fn). Each primitive's output gets one node,
// holding the rule that maps the output's gradient to its inputs' gradients.

import type { Tensor } from '../tensor/tensor.js';
import type { DType } from '../tensor/dtype.js';

export type TensorHook = (grad: Tensor) => Tensor | void;
export type BackwardRule = (grad: Tensor) => readonly (Tensor | null | undefined)[];

interface SavedTensor {
  tensor: Tensor;
  version: number;
}

/** A node of the backward graph (`grad_fn`): the backward rule of one recorded op and the edges to its inputs' nodes. */
export class Node {
  /** The nodes that receive this node's input gradients (null for inputs that need none). */
  readonly nextFunctions: readonly (Node | null)[];
  /** Hooks registered on the output tensor (Tensor.registerHook on a non-leaf). */
  readonly preHooks: TensorHook[] = [];
  /** Non-leaf output whose .grad should be kept (Tensor.retainGrad). */
  retainedOutput: Tensor | null = null;
  private rule: BackwardRule | null;
  private saved: SavedTensor[];

  constructor(
    readonly name: string,
    nextFunctions: readonly (Node | null)[],
    rule: BackwardRule,
    saved: readonly Tensor[],
    private readonly outputDtype: DType,
  ) {
    this.nextFunctions = nextFunctions;
    this.rule = rule;
    this.saved = saved.map((tensor) => ({ tensor, version: tensor._version }));
  }

  /**
   * The dtype of the gradient this node takes: its output's (PyTorch's input_metadata, of which
   * dlab records only the dtype). The engine casts a gradient of another dtype on its way in.
   */
  get gradDtype(): DType {
    return this.outputDtype;
  }

  /** The tensors this node saved for backward (empty once released), as PyTorch's grad_fn._saved_*. */
  get savedTensors(): readonly Tensor[] {
    return this.saved.map((s) => s.tensor);
  }

  apply(grad: Tensor): readonly (Tensor | null | undefined)[] {
    if (this.rule === null) {
      throw new Error(
        'Trying to backward through the graph a second time (or directly access saved tensors after they have ' +
          'already been freed). Saved intermediate values of the graph are freed when you call .backward() or ' +
          'autograd.grad(). Specify retainGraph: true if you need to backward through the graph a second time.',
      );
    }
    for (const s of this.saved) {
      if (s.tensor._version !== s.version) {
        throw new Error(
          `one of the variables needed for gradient computation has been modified by an inplace operation: ` +
            `[${s.tensor.dtype} [${s.tensor.shape.join(', ')}]], is at version ${s.tensor._version}; ` +
            `expected version ${s.version} instead.`,
        );
      }
    }
    return this.rule(grad);
  }

  /** Whether backward can still run this node (its rule and what the rule holds, saved tensors and closures, are alive). */
  get live(): boolean {
    return this.rule !== null;
  }

  /** Drop the rule and saved tensors once they are used (unless the graph is retained). */
  release(): void {
    this.rule = null;
    this.saved = [];
  }

  toString(): string {
    return `<${this.name}>`;
  }
}

/** The sink of a leaf tensor's gradient: adds incoming gradients into `variable.grad`. */
export class AccumulateGrad extends Node {
  constructor(readonly variable: Tensor) {
    super('AccumulateGrad', [], () => [], [], variable.dtype);
  }

  /** The leaf's dtype now (Tensor.data = other, module.double(), may change it). */
  override get gradDtype(): DType {
    return this.variable.dtype;
  }

  override release(): void {
    // Leaves keep their accumulator: there is nothing saved to free.
  }

  /** Nothing saved: a leaf's accumulator holds no memory a scope could give back. */
  override get live(): boolean {
    return false;
  }
}
