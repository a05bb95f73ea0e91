// Inverted dropout with masks from the counter RNG: element (row, col) of layer L at step s is kept when
// rngUniform(seed, s, L, row·F + col) ≥ p, so backward (and the CPU reference) regenerate the same mask.

struct Dropout {
  f: u32,        // logical features F (the mask counter uses row·F + col)
  f4: u32,       // ceil(F/4): vec4 columns
  layer: u32,    // layer id L: index of this layer in [...encoder, ...decoder]
  p: f32,        // drop probability
  scale: f32,    // 1 / (1 - p)
  in_act: u32,   // backward: activation of the op that produced X
  in_alpha: f32, // its LeakyReLU slope
  pad0: u32,
}

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> st: Step;
@group(0) @binding(1) var<uniform> p: Dropout;
@group(0) @binding(2) var<storage, read> src: array<vec4f>;         // forward: X; backward: dY   (M, f4)
@group(0) @binding(3) var<storage, read_write> dst: array<vec4f>;   // forward: Y; backward: dX   (M, f4)
@group(0) @binding(4) var<storage, read> xin: array<vec4f>;         // backward: X                (M, f4)

fn keepScale(seed: u32, row: u32, col4: u32) -> vec4f {
  return dropoutKeepScale(seed, st.step, p.layer, p.f, p.p, p.scale, row, col4);
}

@compute @workgroup_size(WG)
fn dropoutForward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                  @builtin(local_invocation_index) lid: u32) {
  let i = groupIndex(wid, nwg) * WG + lid;
  if (i >= st.rows * p.f4) { return; }
  let m = wid.z;
  let at = m * st.capacity * p.f4 + i; // model m's slice
  if (st.training == 1u) {
    dst[at] = src[at] * keepScale(st.models[m].seed, i / p.f4, i % p.f4);
  } else {
    dst[at] = src[at];
  }
}

@compute @workgroup_size(WG)
fn dropoutBackward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                   @builtin(local_invocation_index) lid: u32) {
  let i = groupIndex(wid, nwg) * WG + lid;
  if (i >= st.rows * p.f4) { return; }
  let m = wid.z;
  let at = m * st.capacity * p.f4 + i;
  dst[at] = src[at] * keepScale(st.models[m].seed, i / p.f4, i % p.f4) * activateGrad(p.in_act, p.in_alpha, xin[at]);
}
