;; Fused AdamW update in wasm SIMD, working in place on the tfjs wasm heap
;; (the memory is imported from tfjs-backend-wasm's module).
;;
;; Same arithmetic order as src/nn/adamw-kernel.ts (PyTorch torch/optim/adamw.py),
;; in float32 as PyTorch computes it:
;;   g = s*g; m = b1*m + c1*g; v = b2*v + c2*g*g;
;;   p = p*decay - (step*m) / (sqrt(v)*invSqrtBc2 + eps)
;; Pointers are byte offsets into the heap (16-byte aligned: tfjs mallocs).
;; The memory placeholder below is replaced by scripts/build-wasm.ts: shared (threaded build) or not.
(module
  (import "env" "memory" __MEMORY__)
  (func (export "adamw")
    (param $p i32) (param $g i32) (param $m i32) (param $v i32)
    (param $op i32) (param $om i32) (param $ov i32) (param $n i32)
    (param $s f32) (param $b1 f32) (param $b2 f32) (param $c1 f32) (param $c2 f32)
    (param $decay f32) (param $step f32) (param $isb f32) (param $eps f32)
    (local $i i32) (local $end4 i32) (local $off i32)
    (local $gv v128) (local $mv v128) (local $vv v128)
    (local $S v128) (local $B1 v128) (local $B2 v128) (local $C1 v128) (local $C2 v128)
    (local $D v128) (local $ST v128) (local $I v128) (local $E v128)
    (local $gs f32) (local $ms f32) (local $vs f32)
    (local.set $S (f32x4.splat (local.get $s)))
    (local.set $B1 (f32x4.splat (local.get $b1)))
    (local.set $B2 (f32x4.splat (local.get $b2)))
    (local.set $C1 (f32x4.splat (local.get $c1)))
    (local.set $C2 (f32x4.splat (local.get $c2)))
    (local.set $D (f32x4.splat (local.get $decay)))
    (local.set $ST (f32x4.splat (local.get $step)))
    (local.set $I (f32x4.splat (local.get $isb)))
    (local.set $E (f32x4.splat (local.get $eps)))
    (local.set $end4 (i32.and (local.get $n) (i32.const -4)))
    (block $done4
      (loop $vec
        (br_if $done4 (i32.ge_u (local.get $i) (local.get $end4)))
        (local.set $off (i32.shl (local.get $i) (i32.const 2)))
        (local.set $gv (f32x4.mul (v128.load (i32.add (local.get $g) (local.get $off))) (local.get $S)))
        (local.set $mv (f32x4.add
          (f32x4.mul (local.get $B1) (v128.load (i32.add (local.get $m) (local.get $off))))
          (f32x4.mul (local.get $C1) (local.get $gv))))
        (local.set $vv (f32x4.add
          (f32x4.mul (local.get $B2) (v128.load (i32.add (local.get $v) (local.get $off))))
          (f32x4.mul (f32x4.mul (local.get $C2) (local.get $gv)) (local.get $gv))))
        (v128.store (i32.add (local.get $om) (local.get $off)) (local.get $mv))
        (v128.store (i32.add (local.get $ov) (local.get $off)) (local.get $vv))
        (v128.store (i32.add (local.get $op) (local.get $off))
          (f32x4.sub
            (f32x4.mul (v128.load (i32.add (local.get $p) (local.get $off))) (local.get $D))
            (f32x4.div
              (f32x4.mul (local.get $ST) (local.get $mv))
              (f32x4.add (f32x4.mul (f32x4.sqrt (local.get $vv)) (local.get $I)) (local.get $E)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $vec)))
    (block $done
      (loop $tail
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $off (i32.shl (local.get $i) (i32.const 2)))
        (local.set $gs (f32.mul (f32.load (i32.add (local.get $g) (local.get $off))) (local.get $s)))
        (local.set $ms (f32.add
          (f32.mul (local.get $b1) (f32.load (i32.add (local.get $m) (local.get $off))))
          (f32.mul (local.get $c1) (local.get $gs))))
        (local.set $vs (f32.add
          (f32.mul (local.get $b2) (f32.load (i32.add (local.get $v) (local.get $off))))
          (f32.mul (f32.mul (local.get $c2) (local.get $gs)) (local.get $gs))))
        (f32.store (i32.add (local.get $om) (local.get $off)) (local.get $ms))
        (f32.store (i32.add (local.get $ov) (local.get $off)) (local.get $vs))
        (f32.store (i32.add (local.get $op) (local.get $off))
          (f32.sub
            (f32.mul (f32.load (i32.add (local.get $p) (local.get $off))) (local.get $decay))
            (f32.div
              (f32.mul (local.get $step) (local.get $ms))
              (f32.add (f32.mul (f32.sqrt (local.get $vs)) (local.get $isb)) (local.get $eps)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $tail)))))
