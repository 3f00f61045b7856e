"""What admins use today: an openpyxl script that does the systemuser scrub of dsr-scrub's default
profile on a Disabled Users export (load, edit the personal columns, save). The baseline that
scripts/bench.sh measures dsr-scrub against; it handles the same generated exports."""
import sys

import openpyxl

CLEAR = {
    "Middle Name", "Email 2", "Salutation", "Job Title", "Nickname", "Main Phone", "Mobile Phone",
    "Home Phone", "Street 1", "City", "State/Province", "ZIP/Postal Code", "Country/Region",
    "Address 1: Latitude", "Address 1: Longitude", "Employee", "Windows Live ID", "Description",
}


def main(src: str, dst: str) -> None:
    book = openpyxl.load_workbook(src)
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    col = {h.strip(): i for i, h in enumerate(header) if isinstance(h, str)}
    guid = col["(Do Not Modify) User"]
    for row in sheet.iter_rows(min_row=2):
        rid = row[guid].value or ""
        id8 = rid[:8]
        for name, value in (
            ("First Name", "Deleted"),
            ("Last Name", f"User {id8}"),
            ("User Name", f"deleted-{rid}@example.invalid"),
            ("Primary Email", f"deleted-{rid}@example.invalid"),
            ("Full Name", f"Deleted User {id8}"),
        ):
            cell = row[col[name]]
            if cell.value not in (None, ""):
                cell.value = value
        for name in CLEAR:
            if name in col:
                row[col[name]].value = None
    book.save(dst)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
