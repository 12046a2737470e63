// F.one_hot (aten/src/ATen/native/Onehot.cpp): class indices to rows of the identity matrix.

import type { Tensor } from '../../tensor/tensor.js';
import { arange, zeros } from '../../ops/creation.js';

/**
 * `F.one_hot(tensor, num_classes=-1)`: an int64 tensor of shape [*tensor.shape, num_classes] with a
 * 1 at each index; num_classes -1 takes the largest index + 1.
 */
export function oneHot(tensor: Tensor, numClasses = -1): Tensor {
  if (tensor.dtype !== 'int64') throw new TypeError('one_hot is only applicable to index tensor.');
  const device = tensor.device;
  if (tensor.numel() === 0) {
    if (numClasses <= 0) throw new RangeError('Can not infer total number of classes from empty tensor.');
    return zeros([...tensor.shape, numClasses], { dtype: 'int64', device });
  }
  // As PyTorch on CUDA, a device tensor's classes are not read back to check them (that would wait
  // for the GPU): a class out of range there gives a row of zeros.
  if (device.type === 'cpu') {
    if (tensor.min().item() < 0) throw new RangeError('Class values must be non-negative.');
    const largest = tensor.max().item();
    if (numClasses === -1) numClasses = largest + 1;
    else if (largest >= numClasses) throw new RangeError('Class values must be smaller than num_classes.');
  } else if (numClasses === -1) {
    throw new RangeError(`one_hot of a tensor on ${device} needs num_classes: reading its largest class back from the device is asynchronous`);
  }
  return tensor.unsqueeze(-1).eq(arange(numClasses, { device })).to('int64');
}
