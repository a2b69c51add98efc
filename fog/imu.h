/* The demo workload: a seeded IMU generator for a small unmanned surface
 * vessel (6 axes at 100 Hz: accelerometer in m/s^2, gyroscope in rad/s) and
 * the window features the collision classifier reads. docs/workload.md
 * describes the model of the sea, the events and the features. */
#ifndef FF_IMU_H
#define FF_IMU_H
#include <stdint.h>

#define FF_IMU_HZ 100
#define FF_IMU_AXES 6
#define FF_IMU_WINDOW 50  /* samples: 0.5 s */
#define FF_IMU_FEATURES 24 /* 4 per axis */

enum { FF_IMU_CALM = 0, FF_IMU_WAVE = 1, FF_IMU_COLLISION = 2, FF_IMU_CLASSES = 3 };

typedef struct ff_imu {
    uint64_t rng;
    double t;                  /* seconds since start */
    double sea;                /* sea-state amplitude factor */
    double roll_a[3], roll_f[3], roll_p[3];
    double pitch_a[3], pitch_f[3], pitch_p[3];
    double heave_a[2], heave_f[2], heave_p[2];
    double bias[FF_IMU_AXES];  /* per-robot sensor bias */
} ff_imu;

/* A robot's sensor: the seed fixes its biases and its sea. */
void ff_imu_init(ff_imu *g, uint64_t seed);
/* Next window of FF_IMU_WINDOW samples x FF_IMU_AXES values (sample-major).
 * label < 0 draws the class (calm 60%, wave impact 25%, collision 15%);
 * returns the class of the window. */
int ff_imu_window(ff_imu *g, float *out, int label);
/* Features of one window: per axis mean, log10(std), log10(peak deviation),
 * log10(mean |first difference|); accelerations in g. */
void ff_imu_features(const float *win, float *feat);
const char *ff_imu_class_name(int c);
#endif
