/*
 * special.h - special functions the customer value models need: the Gaussian hypergeometric
 * function 2F1, digamma, log-beta.
 *
 * okaeri carries its own 2F1 (no GSL): the Pareto/NBD likelihood and the BG/NBD / MBG/NBD
 * expectations are built on it, so its accuracy is the models' accuracy. It is real-valued,
 * for real a, b, c (c not a non-positive integer) and real z < 1, and evaluated as
 *   - a finite sum when a or b is a non-positive integer (polynomial);
 *   - the Maclaurin series for -0.5 <= z <= 0.9, on the Euler-transformed function
 *     (1-z)^(c-a-b) 2F1(c-a, c-b; c; z) when that one has the smaller terms (A&S 15.3.3);
 *   - Pfaff's transformation z -> z/(z-1) for z < -0.5 (A&S 15.3.4/15.3.5);
 *   - the 1-z transformation for z > 0.9 (A&S 15.3.6), with the logarithmic forms A&S 15.3.10-12
 *     when c-a-b is an integer; in the near-integer band where 15.3.6 cancels badly, the
 *     (slower but exact) series is used instead up to z = 0.9999.
 * Results are returned in log form (log|F| and a sign) so that huge values do not overflow.
 * Accuracy: about 1e-13 relative in the range tested (tests/unit/clv/test_special.c, reference
 * values from mpmath at 50 digits).
 */
#ifndef OK_CLV_SPECIAL_H
#define OK_CLV_SPECIAL_H

/* log|2F1(a, b; c; z)|; *sign receives +1, -1 or 0 (value exactly zero; log is -inf). Returns NaN
 * (and sign 0) outside the domain (z >= 1, c a non-positive integer, non-finite input). */
double clv_hyp2f1_log(double a, double b, double c, double z, int *sign);

/* 2F1(a, b; c; z) as a double (may be +-inf when the value overflows). */
double clv_hyp2f1(double a, double b, double c, double z);

/* Digamma psi(x) = d/dx ln Gamma(x); NaN at the poles x = 0, -1, -2, ... */
double clv_digamma(double x);

/* ln B(a, b) = lnGamma(a) + lnGamma(b) - lnGamma(a + b), for a, b > 0. */
double clv_lbeta(double a, double b);

#endif
