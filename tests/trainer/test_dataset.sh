#!/bin/sh
# Runs the trainer's dataset unit tests (a program linked with trainer/dataset.c; see
# trainer/module.mk). The program prints its own "N passed, N failed".
exec "${BUILD:-build}/tests/trainer/test_dataset"
