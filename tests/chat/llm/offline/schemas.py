"""Schemas offline mode has never seen, built here in three naming styles, with their data.

- `music_sql()`: singular PascalCase, Chinook-like (Customer.SupportRepId → Employee, Track.GenreId → Genre,
  Invoice.Total, Track.Milliseconds/Bytes/UnitPrice); 25 customer countries (too many to sample), one
  employee country, 120 artists.
- `CLINIC_SQL`: plural snake_case (patients, doctors, appointments).
- `FLEET_SQL`: camelCase (vehicles, drivers, trips).
"""

import random

COUNTRIES = [
    "Argentina", "Australia", "Austria", "Belgium", "Brazil", "Canada", "Chile", "Czechia", "Denmark", "Finland",
    "France", "Germany", "Hungary", "India", "Ireland", "Italy", "Netherlands", "Norway", "Poland", "Portugal",
    "Spain", "Sweden", "UK", "USA", "Korea",
]  # fmt: skip
GENRES = ["Rock", "Jazz", "Metal", "Blues", "Latin", "Pop", "Classical"]
MEDIA = ["MPEG audio file", "AAC audio file", "Protected AAC audio file"]


def _values(rows) -> str:
    def literal(value):
        if value is None:
            return "NULL"
        if isinstance(value, str):
            return "'" + value.replace("'", "''") + "'"
        return repr(value)

    return ",\n".join("(" + ", ".join(literal(v) for v in row) + ")" for row in rows)


def music_sql() -> str:
    rng = random.Random(7)
    employees = [
        (1, "Adams", "Andrew", "General Manager", "Canada"),
        (2, "Edwards", "Nancy", "Sales Manager", "Canada"),
    ]
    employees += [
        (3, "Peacock", "Jane", "Sales Support Agent", "Canada"),
        (4, "Park", "Margaret", "Sales Agent", "Canada"),
    ]
    customers = []
    for i in range(1, 76):
        country = COUNTRIES[(i * 7) % len(COUNTRIES)] if i % 5 else "Canada"
        customers.append((i, f"First{i}", f"Last{i}", f"City{i % 9}", country, rng.choice([3, 4, 2])))
    genres = [(i, name) for i, name in enumerate(GENRES, start=1)]
    media = [(i, name) for i, name in enumerate(MEDIA, start=1)]
    artists = [(i, f"Artist {i:03d}") for i in range(1, 121)]
    albums = [(i, f"Album {i:03d}", (i * 13) % 120 + 1) for i in range(1, 181)]
    tracks = []
    for i in range(1, 401):
        tracks.append(
            (
                i,
                f"Track {i:03d}",
                (i * 7) % 180 + 1,
                rng.choice([1, 1, 2, 3]),
                rng.choice([1, 1, 1, 2, 3, 4, 5, 6, 7]),
                120_000 + i * 977 % 400_000 + i,
                3_000_000 + i * 7919 % 9_000_000 + i,
                round(0.49 + i * 0.0123, 4),
            )
        )
    invoices = []
    for i in range(1, 301):
        year = 2020 + i % 4
        invoices.append(
            (
                i,
                rng.randint(1, 75),
                f"{year}-{1 + i % 12:02d}-{1 + i % 27:02d}",
                COUNTRIES[i % 25],
                round(0.5 + i * 0.37, 2),
            )
        )
    lines = [(i, rng.randint(1, 300), rng.randint(1, 400), 0.99, rng.randint(1, 3)) for i in range(1, 601)]
    return f"""
    CREATE TABLE Employee (EmployeeId INTEGER PRIMARY KEY, LastName TEXT, FirstName TEXT, Title TEXT, Country TEXT);
    CREATE TABLE Customer (
        CustomerId INTEGER PRIMARY KEY, FirstName TEXT, LastName TEXT, City TEXT, Country TEXT,
        SupportRepId INTEGER REFERENCES Employee(EmployeeId)
    );
    CREATE TABLE Genre (GenreId INTEGER PRIMARY KEY, Name TEXT);
    CREATE TABLE MediaType (MediaTypeId INTEGER PRIMARY KEY, Name TEXT);
    CREATE TABLE Artist (ArtistId INTEGER PRIMARY KEY, Name TEXT);
    CREATE TABLE Album (AlbumId INTEGER PRIMARY KEY, Title TEXT, ArtistId INTEGER REFERENCES Artist(ArtistId));
    CREATE TABLE Track (
        TrackId INTEGER PRIMARY KEY, Name TEXT, AlbumId INTEGER REFERENCES Album(AlbumId),
        MediaTypeId INTEGER REFERENCES MediaType(MediaTypeId), GenreId INTEGER REFERENCES Genre(GenreId),
        Milliseconds INTEGER, Bytes INTEGER, UnitPrice NUMERIC(10, 2)
    );
    CREATE TABLE Invoice (
        InvoiceId INTEGER PRIMARY KEY, CustomerId INTEGER REFERENCES Customer(CustomerId), InvoiceDate DATE,
        BillingCountry TEXT, Total NUMERIC(10, 2)
    );
    CREATE TABLE InvoiceLine (
        InvoiceLineId INTEGER PRIMARY KEY, InvoiceId INTEGER REFERENCES Invoice(InvoiceId),
        TrackId INTEGER REFERENCES Track(TrackId), UnitPrice NUMERIC(10, 2), Quantity INTEGER
    );
    INSERT INTO Employee VALUES {_values(employees)};
    INSERT INTO Customer VALUES {_values(customers)};
    INSERT INTO Genre VALUES {_values(genres)};
    INSERT INTO MediaType VALUES {_values(media)};
    INSERT INTO Artist VALUES {_values(artists)};
    INSERT INTO Album VALUES {_values(albums)};
    INSERT INTO Track VALUES {_values(tracks)};
    INSERT INTO Invoice VALUES {_values(invoices)};
    INSERT INTO InvoiceLine VALUES {_values(lines)};
    """


CLINIC_SQL = """
CREATE TABLE doctors (id INTEGER PRIMARY KEY, full_name TEXT, specialty TEXT, hourly_fee REAL);
CREATE TABLE patients (id INTEGER PRIMARY KEY, full_name TEXT, blood_type TEXT, birth_date DATE, weight_kg REAL);
CREATE TABLE appointments (
    id INTEGER PRIMARY KEY, patient_id INTEGER REFERENCES patients(id), doctor_id INTEGER REFERENCES doctors(id),
    scheduled_on DATE, duration_minutes INTEGER, appointment_status TEXT
);
INSERT INTO doctors VALUES (1, 'Dr Kim', 'cardiology', 120.0), (2, 'Dr Lee', 'dermatology', 90.0),
    (3, 'Dr Park', 'cardiology', 150.0), (4, 'Dr Cho', 'pediatrics', 80.0);
INSERT INTO patients VALUES (1, 'Ann', 'A', '1980-02-01', 61.5), (2, 'Ben', 'B', '1975-07-12', 82.0),
    (3, 'Cal', 'O', '1990-11-30', 74.3), (4, 'Dee', 'AB', '2001-05-05', 55.1), (5, 'Eve', 'O', '1969-09-09', 90.2),
    (6, 'Fay', 'A', '1995-03-03', 66.6);
INSERT INTO appointments VALUES (1, 1, 1, '2024-01-10', 30, 'done'), (2, 2, 1, '2024-02-11', 45, 'done'),
    (3, 3, 2, '2024-03-12', 20, 'cancelled'), (4, 4, 3, '2025-01-13', 60, 'done'),
    (5, 5, 3, '2025-02-14', 15, 'booked'), (6, 6, 4, '2025-03-15', 25, 'booked'),
    (7, 1, 3, '2025-04-16', 35, 'done'), (8, 2, 2, '2024-05-17', 50, 'done');
"""

FLEET_SQL = """
CREATE TABLE drivers (driverId INTEGER PRIMARY KEY, driverName TEXT, homeCity TEXT);
CREATE TABLE vehicles (
    vehicleId INTEGER PRIMARY KEY, plateNumber TEXT, fuelType TEXT, engineSize REAL, seatCount INTEGER
);
CREATE TABLE trips (
    tripId INTEGER PRIMARY KEY, vehicleId INTEGER REFERENCES vehicles(vehicleId),
    driverId INTEGER REFERENCES drivers(driverId), startedAt DATE, distanceKm REAL, fareAmount REAL
);
INSERT INTO drivers VALUES (1, 'Mina', 'Seoul'), (2, 'Joon', 'Busan'), (3, 'Hana', 'Seoul');
INSERT INTO vehicles VALUES (1, '12가3456', 'diesel', 2.2, 5), (2, '34나5678', 'electric', 0.0, 5),
    (3, '56다7890', 'petrol', 1.6, 7), (4, '78라1234', 'electric', 0.0, 4), (5, '90마5678', 'diesel', 3.0, 9);
INSERT INTO trips VALUES (1, 1, 1, '2024-03-01', 12.5, 15000), (2, 2, 2, '2024-03-02', 40.0, 42000),
    (3, 2, 1, '2024-04-05', 7.2, 9000), (4, 3, 3, '2025-01-09', 88.8, 95000), (5, 5, 2, '2025-02-10', 23.1, 27000),
    (6, 4, 3, '2025-02-11', 5.5, 7000), (7, 1, 1, '2025-03-12', 61.0, 66000);
"""
