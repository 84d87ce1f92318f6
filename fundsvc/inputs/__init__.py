"""Reading scenarios and tables from files, with errors that name the file, field and row."""

from fundsvc.inputs.loader import LoadedScenario, load_scenario, load_scenario_bytes
from fundsvc.inputs.tables import LOAN_BOOK_COLUMNS, loan_book_frame, read_loan_book

__all__ = ["LOAN_BOOK_COLUMNS", "LoadedScenario", "load_scenario", "load_scenario_bytes", "loan_book_frame", "read_loan_book"]
