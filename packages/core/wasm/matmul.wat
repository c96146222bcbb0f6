;; Float32 matrix product C = op(A)·op(B) in wasm SIMD, on the tfjs wasm heap
;; (memory imported from tfjs-backend-wasm's module), for src/wasm-matmul.ts.
;;
;; The Goto/van de Geijn structure (Goto & van de Geijn, "Anatomy of
;; high-performance matrix multiplication", ACM TOMS 34(3), 2008): both
;; operands are first packed into panels (A: 4 rows, B: 8 columns, k-major,
;; zero-padded at the edges, transposes resolved while packing); a 4×8
;; register block of C (eight f32x4 accumulators) is then computed per pair of
;; panels with one pass over k: two loads of B, four broadcast loads of A,
;; eight multiply-adds. Each element of C is one sequential sum over k, whoever
;; computes its tile, so splitting tiles between threads never changes a bit.
;; Addresses and strides are in bytes. The memory placeholder below is
;; replaced by scripts/build-wasm.ts, and so is each MADD form a b c = a·b + c:
;; f32x4.add c (f32x4.mul a b) in the plain build (the same roundings as
;; XNNPACK's wasm SIMD kernels), f32x4.relaxed_madd in the FMA build (one
;; instruction and one rounding where the CPU has FMA: relaxed SIMD proposal,
;; WebAssembly/relaxed-simd Overview.md "Relaxed fused multiply-add").
(module
  (import "env" "memory" __MEMORY__)

  ;; A panel ib (rows 4ib..4ib+3) → ap + 16·k·ib, element (row 4ib+r, kk) at +16kk+4r.
  ;; trans = 0: A is [m, k] (row stride lda); trans = 1: A is stored [k, m].
  (func (export "packA")
    (param $a i32) (param $lda i32) (param $k i32) (param $m i32)
    (param $ap i32) (param $ib0 i32) (param $ib1 i32) (param $trans i32)
    (local $ib i32) (local $kk i32) (local $r i32) (local $row i32) (local $dst i32) (local $v f32) (local $src i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $ib (local.get $ib0))
    (block $done
      (loop $panels
        (br_if $done (i32.ge_u (local.get $ib) (local.get $ib1)))
        (local.set $dst (i32.add (local.get $ap) (i32.shl (i32.mul (local.get $ib) (local.get $k)) (i32.const 4))))
        (local.set $kk (i32.const 0))
        (if (i32.le_u (i32.add (i32.shl (local.get $ib) (i32.const 2)) (i32.const 4)) (local.get $m))
          (then
            (if (local.get $trans)
              (then
                ;; A stored [k, m]: the panel's 4 values at each k are contiguous
                (local.set $src (i32.add (local.get $a) (i32.shl (local.get $ib) (i32.const 4))))
                (block $tdone
                  (loop $ts
                    (br_if $tdone (i32.ge_u (local.get $kk) (local.get $k)))
                    (v128.store (local.get $dst) (v128.load (local.get $src)))
                    (local.set $src (i32.add (local.get $src) (local.get $lda)))
                    (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
                    (local.set $kk (i32.add (local.get $kk) (i32.const 1)))
                    (br $ts))))
              (else
                ;; A row-major: 4×4 blocks (4 rows × 4 k) transposed in registers
                (local.set $src (i32.add (local.get $a) (i32.mul (i32.shl (local.get $ib) (i32.const 2)) (local.get $lda))))
                (block $vdone
                  (loop $vs
                    (br_if $vdone (i32.gt_u (i32.add (local.get $kk) (i32.const 4)) (local.get $k)))
                    (local.set $v0 (v128.load (local.get $src)))
                    (local.set $v1 (v128.load (i32.add (local.get $src) (local.get $lda))))
                    (local.set $v2 (v128.load (i32.add (local.get $src) (i32.shl (local.get $lda) (i32.const 1)))))
                    (local.set $v3 (v128.load (i32.add (local.get $src) (i32.mul (local.get $lda) (i32.const 3)))))
                    (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v0) (local.get $v1)))
                    (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v0) (local.get $v1)))
                    (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v2) (local.get $v3)))
                    (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v2) (local.get $v3)))
                    (v128.store offset=0 (local.get $dst) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
                    (v128.store offset=16 (local.get $dst) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
                    (v128.store offset=32 (local.get $dst) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
                    (v128.store offset=48 (local.get $dst) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
                    (local.set $src (i32.add (local.get $src) (i32.const 16)))
                    (local.set $dst (i32.add (local.get $dst) (i32.const 64)))
                    (local.set $kk (i32.add (local.get $kk) (i32.const 4)))
                    (br $vs)))))))
        ;; edge panels and the k % 4 remainder, one value at a time
        (block $kdone
          (loop $ks
            (br_if $kdone (i32.ge_u (local.get $kk) (local.get $k)))
            (local.set $r (i32.const 0))
            (block $rdone
              (loop $rs
                (br_if $rdone (i32.ge_u (local.get $r) (i32.const 4)))
                (local.set $row (i32.add (i32.shl (local.get $ib) (i32.const 2)) (local.get $r)))
                (local.set $v (f32.const 0))
                (if (i32.lt_u (local.get $row) (local.get $m))
                  (then
                    (local.set $v
                      (f32.load
                        (if (result i32) (local.get $trans)
                          (then (i32.add (local.get $a)
                            (i32.add (i32.mul (local.get $kk) (local.get $lda)) (i32.shl (local.get $row) (i32.const 2)))))
                          (else (i32.add (local.get $a)
                            (i32.add (i32.mul (local.get $row) (local.get $lda)) (i32.shl (local.get $kk) (i32.const 2))))))))))
                (f32.store (i32.add (local.get $dst) (i32.shl (local.get $r) (i32.const 2))) (local.get $v))
                (local.set $r (i32.add (local.get $r) (i32.const 1)))
                (br $rs)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
            (local.set $kk (i32.add (local.get $kk) (i32.const 1)))
            (br $ks)))
        (local.set $ib (i32.add (local.get $ib) (i32.const 1)))
        (br $panels))))

  ;; B panel jp (columns 8jp..8jp+7) → bp + 32·k·jp, element (kk, column 8jp+c) at +32kk+4c.
  ;; trans = 0: B is [k, n] (row stride ldb); trans = 1: B is stored [n, k].
  (func $packB
    (param $b i32) (param $ldb i32) (param $k i32) (param $n i32)
    (param $bp i32) (param $jp0 i32) (param $jp1 i32) (param $trans i32)
    (local $jp i32) (local $kk i32) (local $c i32) (local $col i32) (local $dst i32) (local $src i32) (local $v f32)
    (local $h i32) (local $row i32) (local $out i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    (local.set $jp (local.get $jp0))
    (block $done
      (loop $panels
        (br_if $done (i32.ge_u (local.get $jp) (local.get $jp1)))
        (local.set $dst (i32.add (local.get $bp) (i32.shl (i32.mul (local.get $jp) (local.get $k)) (i32.const 5))))
        (local.set $kk (i32.const 0))
        (if (i32.and (i32.eqz (local.get $trans))
                     (i32.le_u (i32.add (i32.shl (local.get $jp) (i32.const 3)) (i32.const 8)) (local.get $n)))
          (then
            ;; full panel of a row-major B: two vector copies per k
            (local.set $src (i32.add (local.get $b) (i32.shl (local.get $jp) (i32.const 5))))
            (block $fdone
              (loop $fs
                (br_if $fdone (i32.ge_u (local.get $kk) (local.get $k)))
                (v128.store (local.get $dst) (v128.load (local.get $src)))
                (v128.store offset=16 (local.get $dst) (v128.load offset=16 (local.get $src)))
                (local.set $src (i32.add (local.get $src) (local.get $ldb)))
                (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
                (local.set $kk (i32.add (local.get $kk) (i32.const 1)))
                (br $fs))))
          (else
            (if (i32.and (local.get $trans)
                         (i32.le_u (i32.add (i32.shl (local.get $jp) (i32.const 3)) (i32.const 8)) (local.get $n)))
              (then
                ;; B stored [n, k], full panel: two 4×4 blocks (4 columns × 4 k) per 4 k, transposed in registers
                (local.set $src (i32.add (local.get $b) (i32.mul (i32.shl (local.get $jp) (i32.const 3)) (local.get $ldb))))
                (block $vdone
                  (loop $vs
                    (br_if $vdone (i32.gt_u (i32.add (local.get $kk) (i32.const 4)) (local.get $k)))
                    (local.set $h (i32.const 0))
                    (block $hdone
                      (loop $hs
                        (br_if $hdone (i32.ge_u (local.get $h) (i32.const 2)))
                        (local.set $row (i32.add (local.get $src) (i32.mul (i32.shl (local.get $h) (i32.const 2)) (local.get $ldb))))
                        (local.set $v0 (v128.load (local.get $row)))
                        (local.set $v1 (v128.load (i32.add (local.get $row) (local.get $ldb))))
                        (local.set $v2 (v128.load (i32.add (local.get $row) (i32.shl (local.get $ldb) (i32.const 1)))))
                        (local.set $v3 (v128.load (i32.add (local.get $row) (i32.mul (local.get $ldb) (i32.const 3)))))
                        (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v0) (local.get $v1)))
                        (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v0) (local.get $v1)))
                        (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v2) (local.get $v3)))
                        (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v2) (local.get $v3)))
                        (local.set $out (i32.add (local.get $dst) (i32.shl (local.get $h) (i32.const 4))))
                        (v128.store offset=0 (local.get $out) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
                        (v128.store offset=32 (local.get $out) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
                        (v128.store offset=64 (local.get $out) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
                        (v128.store offset=96 (local.get $out) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
                        (local.set $h (i32.add (local.get $h) (i32.const 1)))
                        (br $hs)))
                    (local.set $src (i32.add (local.get $src) (i32.const 16)))
                    (local.set $dst (i32.add (local.get $dst) (i32.const 128)))
                    (local.set $kk (i32.add (local.get $kk) (i32.const 4)))
                    (br $vs)))))
            ;; edge panels and the k % 4 remainder, one value at a time
            (block $kdone
              (loop $ks
                (br_if $kdone (i32.ge_u (local.get $kk) (local.get $k)))
                (local.set $c (i32.const 0))
                (block $cdone
                  (loop $cs
                    (br_if $cdone (i32.ge_u (local.get $c) (i32.const 8)))
                    (local.set $col (i32.add (i32.shl (local.get $jp) (i32.const 3)) (local.get $c)))
                    (local.set $v (f32.const 0))
                    (if (i32.lt_u (local.get $col) (local.get $n))
                      (then
                        (local.set $v
                          (f32.load
                            (if (result i32) (local.get $trans)
                              (then (i32.add (local.get $b)
                                (i32.add (i32.mul (local.get $col) (local.get $ldb)) (i32.shl (local.get $kk) (i32.const 2)))))
                              (else (i32.add (local.get $b)
                                (i32.add (i32.mul (local.get $kk) (local.get $ldb)) (i32.shl (local.get $col) (i32.const 2))))))))))
                    (f32.store (i32.add (local.get $dst) (i32.shl (local.get $c) (i32.const 2))) (local.get $v))
                    (local.set $c (i32.add (local.get $c) (i32.const 1)))
                    (br $cs)))
                (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
                (local.set $kk (i32.add (local.get $kk) (i32.const 1)))
                (br $ks)))))
        (local.set $jp (i32.add (local.get $jp) (i32.const 1)))
        (br $panels))))

  ;; For panels jp0 ≤ jp < jp1 and ib0 ≤ ib < ib1: C tile (ib, jp) = Σ_k A_ib[k] ⊗ B_jp[k]
  ;; (overwritten, not accumulated), the sums starting from the bias (a vector of ⌈n/8⌉·8
  ;; floats, zero-padded; bias = 0: none), then relu when relu ≠ 0 (pmax(x, 0) = x < 0 ? 0 : x, so NaN stays NaN).
  ;; C is [m, n] with row stride ldc. Edge tiles go through `scratch` (128 bytes,
  ;; 16-aligned, private to the caller).
  (func $gemm
    (param $ap i32) (param $bp i32) (param $k i32) (param $c i32) (param $ldc i32)
    (param $m i32) (param $n i32) (param $ib0 i32) (param $ib1 i32) (param $jp0 i32) (param $jp1 i32)
    (param $scratch i32) (param $bias i32) (param $relu i32)
    (local $bv0 v128) (local $bv1 v128) (local $zero v128)
    (local $jp i32) (local $ib i32) (local $pa i32) (local $pb i32) (local $end i32)
    (local $row i32) (local $col i32) (local $dst i32) (local $r i32) (local $cc i32)
    (local $a v128) (local $b0 v128) (local $b1 v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local.set $jp (local.get $jp0))
    (block $jdone
      (loop $js
        (br_if $jdone (i32.ge_u (local.get $jp) (local.get $jp1)))
        (local.set $ib (local.get $ib0))
        (block $idone
          (loop $is
            (br_if $idone (i32.ge_u (local.get $ib) (local.get $ib1)))
            (local.set $pa (i32.add (local.get $ap) (i32.shl (i32.mul (local.get $ib) (local.get $k)) (i32.const 4))))
            (local.set $pb (i32.add (local.get $bp) (i32.shl (i32.mul (local.get $jp) (local.get $k)) (i32.const 5))))
            (local.set $end (i32.add (local.get $pa) (i32.shl (local.get $k) (i32.const 4))))
            ;; The sums start from the bias, as XNNPACK's fused dense layer does (same bits).
            (local.set $bv0 (v128.const i32x4 0 0 0 0))
            (local.set $bv1 (v128.const i32x4 0 0 0 0))
            (if (local.get $bias)
              (then
                (local.set $bv0 (v128.load (i32.add (local.get $bias) (i32.shl (local.get $jp) (i32.const 5)))))
                (local.set $bv1 (v128.load offset=16 (i32.add (local.get $bias) (i32.shl (local.get $jp) (i32.const 5)))))))
            (local.set $c00 (local.get $bv0)) (local.set $c01 (local.get $bv1))
            (local.set $c10 (local.get $bv0)) (local.set $c11 (local.get $bv1))
            (local.set $c20 (local.get $bv0)) (local.set $c21 (local.get $bv1))
            (local.set $c30 (local.get $bv0)) (local.set $c31 (local.get $bv1))
            (block $kdone
              (loop $ks
                (br_if $kdone (i32.ge_u (local.get $pa) (local.get $end)))
                (local.set $b0 (v128.load (local.get $pb)))
                (local.set $b1 (v128.load offset=16 (local.get $pb)))
                (local.set $a (v128.load32_splat (local.get $pa)))
                (local.set $c00 (MADD (local.get $a) (local.get $b0) (local.get $c00)))
                (local.set $c01 (MADD (local.get $a) (local.get $b1) (local.get $c01)))
                (local.set $a (v128.load32_splat offset=4 (local.get $pa)))
                (local.set $c10 (MADD (local.get $a) (local.get $b0) (local.get $c10)))
                (local.set $c11 (MADD (local.get $a) (local.get $b1) (local.get $c11)))
                (local.set $a (v128.load32_splat offset=8 (local.get $pa)))
                (local.set $c20 (MADD (local.get $a) (local.get $b0) (local.get $c20)))
                (local.set $c21 (MADD (local.get $a) (local.get $b1) (local.get $c21)))
                (local.set $a (v128.load32_splat offset=12 (local.get $pa)))
                (local.set $c30 (MADD (local.get $a) (local.get $b0) (local.get $c30)))
                (local.set $c31 (MADD (local.get $a) (local.get $b1) (local.get $c31)))
                (local.set $pa (i32.add (local.get $pa) (i32.const 16)))
                (local.set $pb (i32.add (local.get $pb) (i32.const 32)))
                (br $ks)))
            (local.set $row (i32.shl (local.get $ib) (i32.const 2)))
            (local.set $col (i32.shl (local.get $jp) (i32.const 3)))
            (if (local.get $relu)
              (then
                (local.set $zero (v128.const i32x4 0 0 0 0))
                (local.set $c00 (f32x4.pmax (local.get $c00) (local.get $zero))) (local.set $c01 (f32x4.pmax (local.get $c01) (local.get $zero)))
                (local.set $c10 (f32x4.pmax (local.get $c10) (local.get $zero))) (local.set $c11 (f32x4.pmax (local.get $c11) (local.get $zero)))
                (local.set $c20 (f32x4.pmax (local.get $c20) (local.get $zero))) (local.set $c21 (f32x4.pmax (local.get $c21) (local.get $zero)))
                (local.set $c30 (f32x4.pmax (local.get $c30) (local.get $zero))) (local.set $c31 (f32x4.pmax (local.get $c31) (local.get $zero)))))
            (if (i32.and (i32.le_u (i32.add (local.get $row) (i32.const 4)) (local.get $m))
                         (i32.le_u (i32.add (local.get $col) (i32.const 8)) (local.get $n)))
              (then
                (local.set $dst (i32.add (local.get $c)
                  (i32.add (i32.mul (local.get $row) (local.get $ldc)) (i32.shl (local.get $col) (i32.const 2)))))
                (v128.store (local.get $dst) (local.get $c00))
                (v128.store offset=16 (local.get $dst) (local.get $c01))
                (local.set $dst (i32.add (local.get $dst) (local.get $ldc)))
                (v128.store (local.get $dst) (local.get $c10))
                (v128.store offset=16 (local.get $dst) (local.get $c11))
                (local.set $dst (i32.add (local.get $dst) (local.get $ldc)))
                (v128.store (local.get $dst) (local.get $c20))
                (v128.store offset=16 (local.get $dst) (local.get $c21))
                (local.set $dst (i32.add (local.get $dst) (local.get $ldc)))
                (v128.store (local.get $dst) (local.get $c30))
                (v128.store offset=16 (local.get $dst) (local.get $c31)))
              (else
                (v128.store offset=0 (local.get $scratch) (local.get $c00))
                (v128.store offset=16 (local.get $scratch) (local.get $c01))
                (v128.store offset=32 (local.get $scratch) (local.get $c10))
                (v128.store offset=48 (local.get $scratch) (local.get $c11))
                (v128.store offset=64 (local.get $scratch) (local.get $c20))
                (v128.store offset=80 (local.get $scratch) (local.get $c21))
                (v128.store offset=96 (local.get $scratch) (local.get $c30))
                (v128.store offset=112 (local.get $scratch) (local.get $c31))
                (local.set $r (i32.const 0))
                (block $rdone
                  (loop $rs
                    (br_if $rdone (i32.ge_u (local.get $r) (i32.const 4)))
                    (if (i32.lt_u (i32.add (local.get $row) (local.get $r)) (local.get $m))
                      (then
                        (local.set $cc (i32.const 0))
                        (block $cdone
                          (loop $cs
                            (br_if $cdone (i32.ge_u (local.get $cc) (i32.const 8)))
                            (if (i32.lt_u (i32.add (local.get $col) (local.get $cc)) (local.get $n))
                              (then
                                (f32.store
                                  (i32.add (local.get $c)
                                    (i32.add (i32.mul (i32.add (local.get $row) (local.get $r)) (local.get $ldc))
                                             (i32.shl (i32.add (local.get $col) (local.get $cc)) (i32.const 2))))
                                  (f32.load (i32.add (local.get $scratch)
                                    (i32.add (i32.shl (local.get $r) (i32.const 5)) (i32.shl (local.get $cc) (i32.const 2))))))))
                            (local.set $cc (i32.add (local.get $cc) (i32.const 1)))
                            (br $cs)))))
                    (local.set $r (i32.add (local.get $r) (i32.const 1)))
                    (br $rs)))))
            (local.set $ib (i32.add (local.get $ib) (i32.const 1)))
            (br $is)))
        (local.set $jp (i32.add (local.get $jp) (i32.const 1)))
        (br $js))))
  ;; One task of a product: pack B panels jp0 ≤ jp < jp1 (private to the task),
  ;; then compute all their tiles against the packed A. A task needs nothing
  ;; from another, so a product is one job.
  (func (export "panelGemm")
    (param $b i32) (param $ldb i32) (param $transB i32) (param $ap i32) (param $bp i32)
    (param $k i32) (param $c i32) (param $ldc i32) (param $m i32) (param $n i32)
    (param $jp0 i32) (param $jp1 i32) (param $scratch i32) (param $bias i32) (param $relu i32)
    (call $packB (local.get $b) (local.get $ldb) (local.get $k) (local.get $n)
      (local.get $bp) (local.get $jp0) (local.get $jp1) (local.get $transB))
    (call $gemm (local.get $ap) (local.get $bp) (local.get $k) (local.get $c) (local.get $ldc)
      (local.get $m) (local.get $n) (i32.const 0) (i32.shr_u (i32.add (local.get $m) (i32.const 3)) (i32.const 2))
      (local.get $jp0) (local.get $jp1) (local.get $scratch) (local.get $bias) (local.get $relu)))
)
