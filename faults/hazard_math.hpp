// exp and x^y for the hazard model's acceleration factors (Arrhenius, Norris–Landzberg): the
// same bits for one value or many, on every x86-64, and a batch form that steps 8 values at once
// where the CPU has AVX-512 (4 with AVX2, 2 with SSE2). The per-unit hazard update calls them
// millions of times per interval; libm's scalar exp and pow were a seventh of a campus run.
//
// The results are within about 1 ulp of the correctly rounded exp (2 for x^y, plus |y·ln x| ulp
// from the product's rounding); faults/README.md gives the method and the measured errors.
// Every path does the same element-wise IEEE operations (the build sets -ffp-contract=off), so
// a value does not depend on the width that took it, nor on which libm the machine has.
#pragma once

#include <cstddef>

namespace ct::faults {

// Which instruction set the batch forms use (tests ask for each; `best` is the widest the CPU
// has). Every one gives the same bits.
enum class HazardMathIsa { best, avx2, sse2 };

// e^x. Outside |x| ≤ 708 (and for NaN) it is std::exp's value.
double hazard_exp(double x);
// x^y for x > 0 (normal) with |y·ln x| ≤ 708; elsewhere std::pow's value.
double hazard_pow(double x, double y);

// out[i] = hazard_exp(x[i]), out[i] = hazard_pow(x[i], y), i < n (out may be x).
void hazard_exp_n(const double* x, double* out, std::size_t n,
                  HazardMathIsa isa = HazardMathIsa::best);
void hazard_pow_n(const double* x, double y, double* out, std::size_t n,
                  HazardMathIsa isa = HazardMathIsa::best);

}  // namespace ct::faults
