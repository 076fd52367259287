// Tests of EDO.
