"""`gtmbot accounts import`: the IMPORT.md format into the one account model."""

from bot.importer.run import ImportRejected, ImportResult, import_document, run_import

__all__ = ["ImportRejected", "ImportResult", "import_document", "run_import"]
