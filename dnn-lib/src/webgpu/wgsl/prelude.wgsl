// What every op's shader shares (dnn-lib/src/webgpu/shaders.ts puts it first): the bindings, typed
// loads from the operands, the error word, and `main`, which computes one 32-bit word of the output
// per invocation from the op's `elem` (ESIZE bytes an element), so no two invocations write a word.
//
// Bindings: 0 the parameters (p[0..11] the node's params, p[12] the output's byte length),
// 1..5 the operands as u32 words (a missing one is a 4-byte dummy), 6 the output, 7 the error word.

struct Params { p: array<vec4<i32>, 4> }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> in0: array<u32>;
@group(0) @binding(2) var<storage, read> in1: array<u32>;
@group(0) @binding(3) var<storage, read> in2: array<u32>;
@group(0) @binding(4) var<storage, read> in3: array<u32>;
@group(0) @binding(5) var<storage, read> in4: array<u32>;
@group(0) @binding(6) var<storage, read_write> outw: array<u32>;
@group(0) @binding(7) var<storage, read_write> errw: array<u32>;

fn prm(k: u32) -> i32 { return params.p[k >> 2u][k & 3u]; }
fn uprm(k: u32) -> u32 { return bitcast<u32>(prm(k)); }

fn word(b: u32, i: u32) -> u32 {
  switch b {
    case 0u: { return in0[i]; }
    case 1u: { return in1[i]; }
    case 2u: { return in2[i]; }
    case 3u: { return in3[i]; }
    default: { return in4[i]; }
  }
}
fn u8at(b: u32, i: u32) -> u32 { return (word(b, i >> 2u) >> ((i & 3u) * 8u)) & 0xffu; }
fn i8at(b: u32, i: u32) -> i32 { return bitcast<i32>(word(b, i >> 2u) << (24u - (i & 3u) * 8u)) >> 24u; }
fn i16at(b: u32, i: u32) -> i32 { return bitcast<i32>(word(b, i >> 1u) << (16u - (i & 1u) * 16u)) >> 16u; }
fn i32at(b: u32, i: u32) -> i32 { return bitcast<i32>(word(b, i)); }

// Error codes (WEBGPU_TRAPS in shaders.ts names them); the host throws when the word is not 0.
const E_MULT = 1u;
const E_SHIFT = 2u;
const E_INDEX = 3u;
const E_PARAM = 4u;
fn trap(code: u32) { errw[0] = code; }

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) g: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let w = g.x + g.y * nw.x * 64u;
  let bytes = uprm(12u);
  if (w >= (bytes + 3u) / 4u) { return; }
  let per = 4u / ESIZE;
  let mask = select(0xffffffffu, (1u << ((8u * ESIZE) & 31u)) - 1u, ESIZE < 4u);
  var v = 0u;
  for (var j = 0u; j < per; j++) {
    let idx = w * per + j;
    if (idx * ESIZE < bytes) { v |= (bitcast<u32>(elem(idx)) & mask) << (j * 8u * ESIZE); }
  }
  outw[w] = v;
}
