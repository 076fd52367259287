// Tests of Generator.
