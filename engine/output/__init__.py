"""Writing files a user exports (whole or not at all): cells safe in a spreadsheet, XLSX."""
