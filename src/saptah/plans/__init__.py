"""Learning plans: who must or may do which course, by when, with choice rules; compliance."""
