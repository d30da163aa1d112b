from . import recurrence
