// BatchTopK's selection: the k·rows largest of ReLU(h) over the whole batch, ties to the lowest flat index
// b·d_sae + j, then θ's running estimate. The k·rows-th largest key is found by bisection on the order-preserving u32
// keys (sae_topk.wgsl's method) spread over dispatches: each of the 32 passes is saeBatchCount (a workgroup per row
// adds its count of keys ≥ the trial to one counter) and saeBatchDecide (one thread keeps the bit or not). One
// workgroup over the batch cannot do it: llvmpipe (Mesa 22) silently ends an invocation's loops after 65,535
// iterations in all, which a 256-thread workgroup over 256 × 4096 values passes. State lives in `b_sel`.

@group(0) @binding(2) var<storage, read> b_h: array<f32>;                 // (batch, d_sae) pre-activations
@group(0) @binding(3) var<storage, read_write> b_sel: array<atomic<u32>>; // SEL_* below, then per row: above, ties
@group(0) @binding(4) var<storage, read_write> b_z: array<f32>;           // (batch, d_sae) codes
@group(0) @binding(5) var<storage, read_write> b_params: array<f32>;      // parameter slab (θ)

const SEL_T = 0u;      // the threshold key, built from the top bit
const SEL_BIT = 1u;    // the bit the next pass tries
const SEL_COUNT = 2u;  // keys ≥ the trial, summed by the rows
const SEL_KEFF = 3u;   // min(k·rows, rows·d_sae)
const SEL_LEAST = 4u;  // bits of the smallest positive selected code (positive floats order as u32)
const SEL_ROWS = 8u;   // per row r: keys above T at SEL_ROWS + r, ties at T (then ties taken) at SEL_ROWS + batch + r
const BATCH_WG = 64u;
const COUNT_ROWS = 16u; // rows per saeBatchCount workgroup: 16 × d_sae / 64 ≤ 4096 iterations a thread at d_sae 16384
const INF_BITS = 0x7f800000u;

var<workgroup> w_count: atomic<u32>;
var<workgroup> w_ties: array<u32, BATCH_WG>;

fn reluKey(n: u32) -> u32 { return orderKey(max(b_h[n], 0.0)); }

@compute @workgroup_size(1)
fn saeBatchStart() {
  atomicStore(&b_sel[SEL_T], 0u);
  atomicStore(&b_sel[SEL_BIT], 31u);
  atomicStore(&b_sel[SEL_COUNT], 0u);
  atomicStore(&b_sel[SEL_KEFF], min(p.k * st.rows, st.rows * p.d_sae));
  atomicStore(&b_sel[SEL_LEAST], INF_BITS);
}

// A workgroup per COUNT_ROWS rows: fewer, longer workgroups (32 passes of one per row cost more in launches than in
// counting on llvmpipe).
@compute @workgroup_size(BATCH_WG)
fn saeBatchCount(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let first = groupIndex(wid, nwg) * COUNT_ROWS;
  if (first >= st.rows) { return; }
  if (lid == 0u) { atomicStore(&w_count, 0u); }
  workgroupBarrier();
  let trial = atomicLoad(&b_sel[SEL_T]) | (1u << atomicLoad(&b_sel[SEL_BIT]));
  var c = 0u;
  for (var row = first; row < min(first + COUNT_ROWS, st.rows); row++) {
    for (var j = lid; j < p.d_sae; j += BATCH_WG) { c += select(0u, 1u, reluKey(row * p.d_sae + j) >= trial); }
  }
  atomicAdd(&w_count, c);
  workgroupBarrier();
  if (lid == 0u) { atomicAdd(&b_sel[SEL_COUNT], atomicLoad(&w_count)); }
}

@compute @workgroup_size(1)
fn saeBatchDecide() {
  let bit = atomicLoad(&b_sel[SEL_BIT]);
  if (atomicLoad(&b_sel[SEL_COUNT]) >= atomicLoad(&b_sel[SEL_KEFF])) { atomicOr(&b_sel[SEL_T], 1u << bit); }
  atomicStore(&b_sel[SEL_BIT], bit - 1u);
  atomicStore(&b_sel[SEL_COUNT], 0u);
}

// Per row: keys above T and keys equal to T.
@compute @workgroup_size(BATCH_WG)
fn saeBatchTies(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = groupIndex(wid, nwg);
  if (row >= st.rows) { return; }
  let T = atomicLoad(&b_sel[SEL_T]);
  var gt = 0u;
  var eq = 0u;
  for (var j = lid; j < p.d_sae; j += BATCH_WG) {
    let key = reluKey(row * p.d_sae + j);
    gt += select(0u, 1u, key > T);
    eq += select(0u, 1u, key == T);
  }
  atomicAdd(&b_sel[SEL_ROWS + row], gt);
  atomicAdd(&b_sel[SEL_ROWS + p.batch + row], eq);
}

// One thread: the ties each row takes, earlier rows first. The rows' slots start at 0 (a new buffer); this zeroes the
// counts above T and saeBatchWrite the ties taken, ready for the next step.
@compute @workgroup_size(1)
fn saeBatchScan() {
  var above = 0u;
  for (var r = 0u; r < st.rows; r++) { above += atomicExchange(&b_sel[SEL_ROWS + r], 0u); }
  var need = atomicLoad(&b_sel[SEL_KEFF]) - above;
  for (var r = 0u; r < st.rows; r++) {
    let take = min(need, atomicLoad(&b_sel[SEL_ROWS + p.batch + r]));
    atomicStore(&b_sel[SEL_ROWS + p.batch + r], take);
    need -= take;
  }
}

// Per row: z = ReLU(h) where the key is above T, and the row's share of the ties at T, lowest index first (threads
// own contiguous chunks; one scan of their tie counts); the smallest positive selected code for θ.
@compute @workgroup_size(BATCH_WG)
fn saeBatchWrite(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = groupIndex(wid, nwg);
  if (row >= st.rows) { return; }
  let T = atomicLoad(&b_sel[SEL_T]);
  let chunk = (p.d_sae + BATCH_WG - 1u) / BATCH_WG;
  let lo = min(lid * chunk, p.d_sae);
  let hi = min(lo + chunk, p.d_sae);
  var eq = 0u;
  for (var j = lo; j < hi; j++) { eq += select(0u, 1u, reluKey(row * p.d_sae + j) == T); }
  w_ties[lid] = eq;
  workgroupBarrier();
  if (lid == 0u) {
    var need = atomicExchange(&b_sel[SEL_ROWS + p.batch + row], 0u);
    for (var t = 0u; t < BATCH_WG; t++) {
      let take = min(need, w_ties[t]);
      w_ties[t] = take;
      need -= take;
    }
  }
  workgroupBarrier();
  var ties = w_ties[lid];
  var least = INF_BITS;
  for (var j = lo; j < hi; j++) {
    let n = row * p.d_sae + j;
    let v = max(b_h[n], 0.0);
    let key = orderKey(v);
    var chosen = key > T;
    if (key == T && ties > 0u) { chosen = true; ties--; }
    b_z[n] = select(0.0, v, chosen);
    if (chosen && v > 0.0) { least = min(least, bitcast<u32>(v)); }
  }
  atomicMin(&b_sel[SEL_LEAST], least);
}

// θ_j ← 0.99·θ_j + 0.01·(smallest positive selected code) for every latent (all θ_j are equal), as SAELens's
// update_topk_threshold (rate 0.01); a batch without a positive code leaves θ alone.
@compute @workgroup_size(BATCH_WG)
fn saeBatchThreshold(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let j = groupIndex(wid, nwg) * BATCH_WG + lid;
  let least = atomicLoad(&b_sel[SEL_LEAST]);
  if (j >= p.d_sae || least == INF_BITS) { return; }
  b_params[p.threshold + j] = 0.99 * b_params[p.threshold + j] + 0.01 * bitcast<f32>(least);
}
