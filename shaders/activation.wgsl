// A standalone activation (one not fused into the dense layer before it, e.g. after BatchNorm).

struct Activation {
  n: u32,        // vec4 elements per row (f4)
  act: u32,      // ACT_* of this layer
  alpha: f32,    // its LeakyReLU slope
  in_act: u32,   // backward: activation of the op that produced X
  in_alpha: f32, // its slope
  f: u32,        // logical features: pad columns stay zero
  pad0: u32,
  pad1: u32,
}

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> st: Step;
@group(0) @binding(1) var<uniform> p: Activation;
@group(0) @binding(2) var<storage, read> src: array<vec4f>;        // forward: X; backward: dY   (M, f4)
@group(0) @binding(3) var<storage, read_write> dst: array<vec4f>;  // forward: Y; backward: dX   (M, f4)
@group(0) @binding(4) var<storage, read> aux: array<vec4f>;        // backward: Y (this op's output)
@group(0) @binding(5) var<storage, read> xin: array<vec4f>;        // backward: X (this op's input)

@compute @workgroup_size(WG)
fn activationForward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                     @builtin(local_invocation_index) lid: u32) {
  let i = groupIndex(wid, nwg) * WG + lid;
  if (i >= st.rows * p.n) { return; }
  let at = wid.z * st.capacity * p.n + i; // model wid.z's slice
  let live = (vec4u((i % p.n) * 4u) + vec4u(0u, 1u, 2u, 3u)) < vec4u(p.f);
  dst[at] = select(vec4f(0.0), activate(p.act, p.alpha, src[at]), live);
}

@compute @workgroup_size(WG)
fn activationBackward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                      @builtin(local_invocation_index) lid: u32) {
  let i = groupIndex(wid, nwg) * WG + lid;
  if (i >= st.rows * p.n) { return; }
  let at = wid.z * st.capacity * p.n + i;
  dst[at] = src[at] * activateGrad(p.act, p.alpha, aux[at]) * activateGrad(p.in_act, p.in_alpha, xin[at]);
}
