// A texture mirror of a storage buffer: the buffer's flat vec4 array laid row by row into an rgba32float texture
// whose width is a power of two, so a kernel reads vec4 i as texel (i mod width, i / width) (dense_io_tex.wgsl).
// The matmul family tx reads its operands this way because llvmpipe fetches texels with vector loads and storage
// buffers with a loop over the lanes. A mirror is refreshed by a copy command before its first reader after the
// buffer changed; Recorder (src/train/bind.ts) decides when.

const TEXEL = 16; // bytes of one rgba32float texel: one vec4
const MIN_WIDTH = 64; // texels per row: 1 KiB, a multiple of the 256-byte row alignment copies need

/** Bytes the largest mirror this device can make holds: a power-of-two width times the height limit. */
export function mirrorCapacity(limits: Pick<GPUSupportedLimits, 'maxTextureDimension2D'>): number {
  const max = limits.maxTextureDimension2D;
  return TEXEL * 2 ** Math.floor(Math.log2(max)) * max;
}

export class TextureMirror {
  readonly texture: GPUTexture;
  readonly view: GPUTextureView;
  readonly width: number; // texels per row
  private readonly rows: number; // full rows of the buffer
  private readonly rest: number; // texels of its last, partial row

  constructor(device: GPUDevice, readonly buffer: GPUBuffer) {
    const texels = Math.floor(buffer.size / TEXEL);
    const max = device.limits.maxTextureDimension2D;
    let width = MIN_WIDTH;
    while (Math.ceil(texels / width) > max && width * 2 <= max) width *= 2;
    const height = Math.max(1, Math.ceil(texels / width));
    if (height > max || width > max) {
      throw new Error(`${buffer.label}: ${buffer.size} bytes do not fit one texture of at most ${max}×${max} texels ` +
        '(maxTextureDimension2D); choose a matmul kernel that reads storage buffers (not tx*) for this size');
    }
    this.width = width;
    this.rows = Math.floor(texels / width);
    this.rest = texels - this.rows * width;
    this.texture = device.createTexture({ label: `${buffer.label}.mirror`, size: [width, height], format: 'rgba32float',
      usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST });
    this.view = this.texture.createView({ label: `${buffer.label}.mirror` });
  }

  /** Record the copy of the buffer into the texture (outside any pass). */
  refresh(encoder: GPUCommandEncoder): void {
    const bytesPerRow = this.width * TEXEL;
    if (this.rows > 0) encoder.copyBufferToTexture({ buffer: this.buffer, bytesPerRow }, { texture: this.texture }, [this.width, this.rows]);
    if (this.rest > 0) {
      encoder.copyBufferToTexture({ buffer: this.buffer, offset: this.rows * bytesPerRow, bytesPerRow },
        { texture: this.texture, origin: [0, this.rows] }, [this.rest, 1]);
    }
  }

  destroy(): void {
    this.texture.destroy();
  }
}
