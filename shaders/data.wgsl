// Batch assembly on the GPU: images live as u8 (four pixels per u32, rows padded to 4 bytes); a batch is
// gathered through the epoch's sample order and unpacked to f32 in [0, 1].

struct Gather {
  d4: u32,     // u32 words per image = vec4 columns of the batch
  count: u32,  // images in the set (bounds the sample index)
  order_stride: u32, // order entries per model (0: all models read one order)
  pad0: u32,
}

override WG: u32 = 64u;

@group(0) @binding(0) var<uniform> st: Step;
@group(0) @binding(1) var<uniform> p: Gather;
@group(0) @binding(2) var<storage, read> images: array<u32>;        // (count, d4) packed u8
@group(0) @binding(3) var<storage, read> order: array<u32>;         // sample order of the epoch
@group(0) @binding(4) var<storage, read_write> x: array<vec4f>;     // (models, capacity, d4) batch

@compute @workgroup_size(WG)
fn gatherBatch(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
               @builtin(local_invocation_index) lid: u32) {
  let i = groupIndex(wid, nwg) * WG + lid;
  if (i >= st.rows * p.d4) { return; }
  let m = wid.z;
  let sample = min(order[m * p.order_stride + st.batch_start + i / p.d4], p.count - 1u);
  x[m * st.capacity * p.d4 + i] = unpack4x8unorm(images[sample * p.d4 + i % p.d4]);
}
