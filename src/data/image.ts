// A PIL-like 8-bit image: what image datasets yield before ToTensor. dlab has no uint8 dtype yet, so
// the pixels stay in a Uint8Array (height x width x channels, row-major, like np.array(pil_image)).

/** PIL's image modes: L (grey), LA, RGB, RGBA. */
export type ImageMode = 'L' | 'LA' | 'RGB' | 'RGBA';

const MODES: Record<number, ImageMode> = { 1: 'L', 2: 'LA', 3: 'RGB', 4: 'RGBA' };

/** An image as PIL holds it (width, height, mode, bytes): what datasets give and transforms take, before `ToTensor`. */
export class Image {
  constructor(
    readonly data: Uint8Array | Uint8ClampedArray,
    readonly height: number,
    readonly width: number,
    readonly channels = 1,
  ) {
    if (!(channels in MODES)) throw new RangeError(`Image: expected 1 to 4 channels, got ${channels}`);
    if (data.length !== height * width * channels) {
      throw new RangeError(`Image: ${data.length} bytes do not make a ${height}x${width}x${channels} image`);
    }
  }

  /** PIL's mode: 'L' (grayscale), 'RGB', ... */
  get mode(): ImageMode {
    return MODES[this.channels];
  }

  /** PIL's Image.size: (width, height). */
  get size(): [number, number] {
    return [this.width, this.height];
  }

  /** The pixel (row y, column x) of one channel. */
  getPixel(x: number, y: number, channel = 0): number {
    return this.data[(y * this.width + x) * this.channels + channel];
  }

  toString(): string {
    return `<Image mode=${this.mode} size=${this.width}x${this.height}>`;
  }
}

/**
 * `count` images of one size back to back (N x H x W x C bytes): the input a batched transform
 * (ToTensor.callBatch) turns into an N x C x H x W tensor without making N small tensors.
 */
export class ImageBatch {
  constructor(
    readonly data: Uint8Array,
    readonly count: number,
    readonly height: number,
    readonly width: number,
    readonly channels = 1,
  ) {
    if (data.length !== count * height * width * channels) {
      throw new RangeError(`ImageBatch: ${data.length} bytes do not make ${count} images of ${height}x${width}x${channels}`);
    }
  }
}
