/* IMU generator for the collision-detection workload: vessel motion from
 * superposed swell components, sensor noise and bias, and two kinds of
 * events as damped oscillating impulses: wave impacts (slamming: vertical,
 * pitch) and collisions (horizontal in a random direction, yaw, sharper). */
#include "imu.h"

#include <math.h>
#include <string.h>

#define G 9.80665

static uint64_t next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double uni(uint64_t *s, double lo, double hi)
{
    return lo + (hi - lo) * ((double)(next(s) >> 11) / 9007199254740992.0);
}

static double gauss(uint64_t *s)
{
    double u1 = uni(s, 1e-12, 1.0), u2 = uni(s, 0.0, 1.0);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

static void new_sea(ff_imu *g)
{
    g->sea = uni(&g->rng, 0.3, 1.5);
    for (int k = 0; k < 3; k++) {
        g->roll_a[k] = uni(&g->rng, 0.5, 4.0) * M_PI / 180.0;
        g->roll_f[k] = uni(&g->rng, 0.08, 0.45);
        g->roll_p[k] = uni(&g->rng, 0, 2 * M_PI);
        g->pitch_a[k] = uni(&g->rng, 0.3, 2.5) * M_PI / 180.0;
        g->pitch_f[k] = uni(&g->rng, 0.08, 0.45);
        g->pitch_p[k] = uni(&g->rng, 0, 2 * M_PI);
    }
    for (int k = 0; k < 2; k++) {
        g->heave_a[k] = uni(&g->rng, 0.05, 0.4);
        g->heave_f[k] = uni(&g->rng, 0.1, 0.4);
        g->heave_p[k] = uni(&g->rng, 0, 2 * M_PI);
    }
}

void ff_imu_init(ff_imu *g, uint64_t seed)
{
    memset(g, 0, sizeof *g);
    g->rng = seed * 0x2545f4914f6cdd1dull + 1;
    for (int a = 0; a < 3; a++)
        g->bias[a] = uni(&g->rng, -0.08, 0.08);
    for (int a = 3; a < 6; a++)
        g->bias[a] = uni(&g->rng, -0.01, 0.01);
    new_sea(g);
}

const char *ff_imu_class_name(int c)
{
    static const char *const names[] = {"calm", "wave_impact", "collision"};
    return c >= 0 && c < FF_IMU_CLASSES ? names[c] : "?";
}

/* angle = sum a sin(2 pi f t + p); rate = its derivative */
static void swell(const double *a, const double *f, const double *p, int n, double t, double *ang, double *rate)
{
    *ang = *rate = 0;
    for (int k = 0; k < n; k++) {
        double w = 2 * M_PI * f[k];
        *ang += a[k] * sin(w * t + p[k]);
        *rate += a[k] * w * cos(w * t + p[k]);
    }
}

int ff_imu_window(ff_imu *g, float *out, int label)
{
    if (uni(&g->rng, 0, 1) < 0.02)
        new_sea(g); /* the sea changes now and then */
    if (label < 0) {
        double u = uni(&g->rng, 0, 1);
        label = u < 0.60 ? FF_IMU_CALM : (u < 0.85 ? FF_IMU_WAVE : FF_IMU_COLLISION);
    }
    /* the event: onset inside the window (late ones are partly seen),
     * strength, decay, ringing, direction; the ranges of the two kinds
     * overlap, and calm water has chop that looks like weak events */
    double t0 = uni(&g->rng, 0.02, 0.46), amp = 0, tau = 1, fr = 1, dir = 0, rate_kick = 0, vert = 0, split = 0;
    double chop = uni(&g->rng, 0, 1) < 0.35 ? uni(&g->rng, 0.2, 1.2) * g->sea : 0.0;
    if (label == FF_IMU_WAVE) {
        double u = uni(&g->rng, 0, 1);
        amp = (0.5 + 6.5 * u * u) * (0.6 + 0.4 * g->sea);
        tau = uni(&g->rng, 0.04, 0.18);
        fr = uni(&g->rng, 3.0, 12.0);
        rate_kick = uni(&g->rng, 0.05, 0.5) * (uni(&g->rng, 0, 1) < 0.5 ? -1 : 1);
        dir = uni(&g->rng, -1.2, 1.2); /* mostly from ahead */
        vert = uni(&g->rng, 0.3, 1.0);
        split = uni(&g->rng, 0.6, 1.0);
    } else if (label == FF_IMU_COLLISION) {
        double u = uni(&g->rng, 0, 1);
        amp = 0.8 + 17.0 * u * u;
        tau = uni(&g->rng, 0.02, 0.12);
        fr = uni(&g->rng, 6.0, 25.0);
        rate_kick = uni(&g->rng, 0.05, 1.0) * (uni(&g->rng, 0, 1) < 0.5 ? -1 : 1);
        dir = uni(&g->rng, -M_PI, M_PI);
        vert = uni(&g->rng, 0.0, 0.9);
        split = uni(&g->rng, 0.0, 0.7);
    }
    double ts = 1.0 / FF_IMU_HZ;
    for (int i = 0; i < FF_IMU_WINDOW; i++, g->t += ts) {
        double roll, droll, pitch, dpitch, heave = 0, dummy;
        swell(g->roll_a, g->roll_f, g->roll_p, 3, g->t, &roll, &droll);
        swell(g->pitch_a, g->pitch_f, g->pitch_p, 3, g->t, &pitch, &dpitch);
        roll *= g->sea, droll *= g->sea, pitch *= g->sea, dpitch *= g->sea;
        for (int k = 0; k < 2; k++) {
            double w = 2 * M_PI * g->heave_f[k];
            heave += -g->heave_a[k] * g->sea * w * w * sin(w * g->t + g->heave_p[k]);
        }
        (void)dummy;
        double ax = G * sin(pitch), ay = -G * sin(roll) * cos(pitch), az = G * cos(roll) * cos(pitch) + heave;
        double gx = droll, gy = dpitch, gz = 0.02 * g->sea * sin(2 * M_PI * 0.05 * g->t);
        double te = i * ts - t0;
        if (label != FF_IMU_CALM && te >= 0) {
            double env = exp(-te / tau), osc = env * sin(2 * M_PI * fr * te + 0.3), kick = env;
            double h = sqrt(1.0 - vert * vert);
            if (label == FF_IMU_WAVE) {
                az += vert * amp * osc;
                ax += h * amp * cos(dir) * osc;
                ay += h * amp * sin(dir) * osc;
                gy += split * rate_kick * kick;
                gz += (1 - split) * rate_kick * kick;
            } else {
                ax += h * amp * cos(dir) * osc;
                ay += h * amp * sin(dir) * osc;
                az += vert * amp * osc;
                gz += (1 - split) * rate_kick * kick;
                gy += split * rate_kick * kick;
                gx += 0.3 * rate_kick * kick * sin(dir);
            }
        }
        if (chop > 0) {
            az += chop * gauss(&g->rng);
            ax += 0.5 * chop * gauss(&g->rng);
            ay += 0.5 * chop * gauss(&g->rng);
        }
        double v[6] = {ax, ay, az, gx, gy, gz};
        for (int a = 0; a < 6; a++) {
            double noise = a < 3 ? 0.04 : 0.004;
            out[i * 6 + a] = (float)(v[a] + g->bias[a] + noise * gauss(&g->rng));
        }
    }
    return label;
}

void ff_imu_features(const float *win, float *feat)
{
    for (int a = 0; a < FF_IMU_AXES; a++) {
        double unit = a < 3 ? G : 1.0, mean = 0, var = 0, peak = 0, diff = 0;
        for (int i = 0; i < FF_IMU_WINDOW; i++)
            mean += win[i * 6 + a] / unit;
        mean /= FF_IMU_WINDOW;
        for (int i = 0; i < FF_IMU_WINDOW; i++) {
            double d = win[i * 6 + a] / unit - mean;
            var += d * d;
            peak = fabs(d) > peak ? fabs(d) : peak;
            if (i > 0)
                diff += fabs(win[i * 6 + a] - win[(i - 1) * 6 + a]) / unit;
        }
        feat[a * 4 + 0] = (float)mean;
        feat[a * 4 + 1] = (float)log10(sqrt(var / FF_IMU_WINDOW) + 1e-4);
        feat[a * 4 + 2] = (float)log10(peak + 1e-4);
        feat[a * 4 + 3] = (float)log10(diff / (FF_IMU_WINDOW - 1) + 1e-4);
    }
}
