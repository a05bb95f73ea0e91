// Optimisers over the whole parameter slab in one dispatch: Adam (bias-corrected, PyTorch form) and SGD with
// momentum. Slab padding has zero gradients and zero state, so it stays zero.

struct Optimizer {
  count4: u32,    // vec4s in the slab
  beta1: f32,     // Adam β1
  beta2: f32,     // Adam β2
  eps: f32,       // Adam ε, added to sqrt(v̂)
  momentum: f32,  // SGD momentum
  pad0: u32,
  pad1: u32,
  pad2: u32,
}

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> st: Step;
@group(0) @binding(1) var<uniform> p: Optimizer;
@group(0) @binding(2) var<storage, read_write> params: array<vec4f>;
@group(0) @binding(3) var<storage, read> grads: array<vec4f>;
@group(0) @binding(4) var<storage, read_write> m: array<vec4f>; // Adam first moment / SGD momentum buffer
@group(0) @binding(5) var<storage, read_write> v: array<vec4f>; // Adam second moment

@compute @workgroup_size(WG)
fn adamUpdate(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
              @builtin(local_invocation_index) lid: u32) {
  let i = groupIndex(wid, nwg) * WG + lid;
  if (i >= p.count4) { return; }
  let at = wid.z * st.param4 + i; // model wid.z's slice of the slabs
  let g = grads[at];
  let m1 = p.beta1 * m[at] + (1.0 - p.beta1) * g;
  let v1 = p.beta2 * v[at] + (1.0 - p.beta2) * g * g;
  m[at] = m1;
  v[at] = v1;
  params[at] -= st.models[wid.z].lr * (m1 / st.bc1) / (sqrt(v1 / st.bc2) + p.eps);
}

@compute @workgroup_size(WG)
fn sgdUpdate(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
             @builtin(local_invocation_index) lid: u32) {
  let i = groupIndex(wid, nwg) * WG + lid;
  if (i >= p.count4) { return; }
  let at = wid.z * st.param4 + i;
  let buf = p.momentum * m[at] + grads[at];
  m[at] = buf;
  params[at] -= st.models[wid.z].lr * buf;
}
