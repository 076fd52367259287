// Tests of Domain.
