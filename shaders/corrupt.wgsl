// Denoising corruptions generated on the GPU from the counter RNG (layer id CORRUPT_LAYER, element row·D + col):
// gaussian σ (clipped to [0, 1]), salt-and-pepper p, masking p, and a random square block per image set to 0.
// With st.corrupt == 0 the batch passes through unchanged.

struct Corrupt {
  d: u32,       // logical pixels D
  d4: u32,      // ceil(D/4): vec4 columns
  kind: u32,    // CORRUPT_*
  level: f32,   // gaussian: σ; salt_pepper, masking: p; block: side in pixels
  width: u32,   // image width in pixels (block placement)
  height: u32,  // image height in pixels
  pad0: u32,
  pad1: u32,
}

const CORRUPT_GAUSSIAN = 1u;
const CORRUPT_SALT_PEPPER = 2u;
const CORRUPT_MASKING = 3u;
const CORRUPT_BLOCK = 4u;
const CORRUPT_LAYER = 0xC0FFEEu; // RNG layer id: apart from every dropout layer
const TAU = 6.283185307179586;

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> st: Step;
@group(0) @binding(1) var<uniform> models: array<Corrupt, MAX_MODELS>; // one per model (kind and level differ)
@group(0) @binding(2) var<storage, read> clean: array<vec4f>;        // (models, capacity, d4)
@group(0) @binding(3) var<storage, read_write> noisy: array<vec4f>;  // (models, capacity, d4)

// This invocation's model: its settings and seed, set once at the entry.
var<private> p: Corrupt;
var<private> seed: u32;

fn uniformAt(e: u32) -> f32 {
  return rngUniform(seed, st.step, CORRUPT_LAYER, e);
}

fn corruptPixel(x: f32, row: u32, col: u32) -> f32 {
  let e = row * p.d + col;
  switch p.kind {
    case CORRUPT_GAUSSIAN: {
      // Box–Muller from two draws per pixel (elements 2e and 2e + 1 of a second stream).
      let u1 = rngUniform(seed, st.step, CORRUPT_LAYER + 1u, 2u * e);
      let u2 = rngUniform(seed, st.step, CORRUPT_LAYER + 1u, 2u * e + 1u);
      let n = sqrt(-2.0 * log(1.0 - u1)) * cos(TAU * u2);
      return clamp(x + p.level * n, 0.0, 1.0);
    }
    case CORRUPT_SALT_PEPPER: {
      if (uniformAt(e) < p.level) { return select(0.0, 1.0, rngUniform(seed, st.step, CORRUPT_LAYER + 2u, e) >= 0.5); }
      return x;
    }
    case CORRUPT_MASKING: {
      return select(x, 0.0, uniformAt(e) < p.level);
    }
    case CORRUPT_BLOCK: {
      let side = min(u32(p.level), min(p.width, p.height));
      let top = min(u32(rngUniform(seed, st.step, CORRUPT_LAYER + 3u, 2u * row) * f32(p.height - side + 1u)), p.height - side);
      let left = min(u32(rngUniform(seed, st.step, CORRUPT_LAYER + 3u, 2u * row + 1u) * f32(p.width - side + 1u)), p.width - side);
      let r = col / p.width;
      let c = col % p.width;
      return select(x, 0.0, r >= top && r < top + side && c >= left && c < left + side);
    }
    default: { return x; }
  }
}

@compute @workgroup_size(WG)
fn corruptBatch(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                @builtin(local_invocation_index) lid: u32) {
  p = models[wid.z];
  seed = st.models[wid.z].seed;
  let i = groupIndex(wid, nwg) * WG + lid;
  if (i >= st.rows * p.d4) { return; }
  let at = wid.z * st.capacity * p.d4 + i; // model wid.z's slice
  let x = clean[at];
  if (st.corrupt == 0u) { noisy[at] = x; return; }
  let row = i / p.d4;
  let col = (i % p.d4) * 4u;
  var y = vec4f(0.0);
  for (var j = 0u; j < 4u; j++) {
    if (col + j < p.d) { y[j] = corruptPixel(x[j], row, col + j); }
  }
  noisy[at] = y;
}
