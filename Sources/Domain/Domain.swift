public enum Domain {}
