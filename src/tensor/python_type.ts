// Python's name for the type of a JavaScript value, as PyTorch's messages print it
// ("must be Tensor, not NoneType", "optimizer can only optimize Tensors, but one of the params is list").

/** The name torch.typename gives a value that is not a tensor: 1 -> int, 1.5 -> float, null -> NoneType. */
export function pyTypeName(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'string') return 'str';
  if (typeof v === 'boolean') return 'bool';
  if (v === null || v === undefined) return 'NoneType';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) return 'dict';
  return (v as object).constructor?.name ?? typeof v;
}
