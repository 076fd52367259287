// Tests of Job.
