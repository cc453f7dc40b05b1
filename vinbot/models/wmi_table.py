"""The curated supplement to NHTSA's vPIC WMI table, for WMIs vPIC does not list.

The bot's WMI table is generated from NHTSA vPIC (`wmi_vpic.tsv`, made by
`scripts/generate_wmi_table.py`); vPIC lists the WMIs of makers registered with NHTSA, so WMIs used
only outside the US market (Tesla's Berlin `XP7`, Toyota Europe's `YAR`, Holden's `6H8`) are
missing from it. This module fills that gap and nothing else: wherever vPIC lists a WMI, vPIC's
row wins and the row here is ignored.

Source and policy: curated by hand from manufacturers' public WMI assignments, cross-checked
against VINs the manufacturers document; rows added later cite their source beside them. Only
exact three-character WMIs are listed, with no two-character fallback: a guess such as "1M* is
Mercury" names Motor Coach Industries' `1M8` wrongly, so an unlisted WMI stays unknown. An entry
is here only when its assignment is certain; when in doubt it was left out.

Each row is (WMI, manufacturer, brand). The brand is None when several brands share the WMI
(for example Chrysler's `1C4` covers Jeep, Dodge, Chrysler and Ram), so the bot never names a make
the WMI does not settle.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

_CHRYSLER: Final = "Chrysler (FCA US, now Stellantis)"
_FORD: Final = "Ford Motor Company"
_FORD_CANADA: Final = "Ford Motor Company of Canada"
_FORD_MEXICO: Final = "Ford Motor Company (Mexico)"
_GM: Final = "General Motors"
_GM_CANADA: Final = "General Motors of Canada"
_GM_MEXICO: Final = "General Motors de México"
_GM_KOREA: Final = "GM Korea (formerly GM Daewoo)"
_HOLDEN: Final = "GM Holden"
_HONDA: Final = "Honda Motor Co."
_HONDA_US: Final = "Honda of America Mfg."
_HONDA_CANADA: Final = "Honda of Canada Mfg."
_TOYOTA: Final = "Toyota Motor Corporation"
_TOYOTA_US: Final = "Toyota Motor North America"
_TOYOTA_CANADA: Final = "Toyota Motor Manufacturing Canada"
_NISSAN: Final = "Nissan Motor Co."
_NISSAN_US: Final = "Nissan North America"
_MAZDA: Final = "Mazda Motor Corporation"
_SUBARU: Final = "Subaru Corporation (formerly Fuji Heavy Industries)"
_SUBARU_US: Final = "Subaru of Indiana Automotive"
_MITSUBISHI: Final = "Mitsubishi Motors"
_SUZUKI: Final = "Suzuki Motor Corporation"
_HYUNDAI: Final = "Hyundai Motor Company"
_KIA: Final = "Kia Corporation"
_VW: Final = "Volkswagen AG"
_AUDI: Final = "Audi AG"
_BMW: Final = "BMW AG"
_BMW_US: Final = "BMW Manufacturing Co. (United States)"
_MERCEDES: Final = "Mercedes-Benz"
_MERCEDES_US: Final = "Mercedes-Benz U.S. International"
_TESLA: Final = "Tesla, Inc."
_VOLVO_CARS: Final = "Volvo Car Corporation"
_FREIGHTLINER: Final = "Freightliner (Daimler Truck North America)"

# (WMI, manufacturer, brand or None when the WMI is shared by several brands)
WMI_ASSIGNMENTS: Final[tuple[tuple[str, str, str | None], ...]] = (
    # United States: Chrysler group (brand settled only by the pre-2011 make letter)
    ("1B3", _CHRYSLER, "Dodge"),
    ("1B4", _CHRYSLER, "Dodge"),
    ("1B7", _CHRYSLER, "Dodge"),
    ("1C3", _CHRYSLER, None),
    ("1C4", _CHRYSLER, None),
    ("1C6", _CHRYSLER, None),
    ("1D4", _CHRYSLER, "Dodge"),
    ("1D7", _CHRYSLER, None),
    ("1J4", _CHRYSLER, "Jeep"),
    ("1J8", _CHRYSLER, "Jeep"),
    ("1P3", _CHRYSLER, "Plymouth"),
    # United States: Ford
    ("1FA", _FORD, "Ford"),
    ("1FB", _FORD, "Ford"),
    ("1FC", _FORD, "Ford"),
    ("1FD", _FORD, "Ford"),
    ("1FM", _FORD, "Ford"),
    ("1FT", _FORD, "Ford"),
    ("1LN", _FORD, "Lincoln"),
    ("1ME", _FORD, "Mercury"),
    ("1ZV", "AutoAlliance International (Ford)", "Ford"),
    ("4M2", _FORD, "Mercury"),
    ("5LM", _FORD, "Lincoln"),
    # United States: General Motors
    ("1G1", _GM, "Chevrolet"),
    ("1G2", _GM, "Pontiac"),
    ("1G3", _GM, "Oldsmobile"),
    ("1G4", _GM, "Buick"),
    ("1G6", _GM, "Cadillac"),
    ("1G8", _GM, "Saturn"),
    ("1GB", _GM, "Chevrolet"),
    ("1GC", _GM, "Chevrolet"),
    ("1GK", _GM, "GMC"),
    ("1GM", _GM, "Pontiac"),
    ("1GN", _GM, "Chevrolet"),
    ("1GT", _GM, "GMC"),
    ("1GY", _GM, "Cadillac"),
    ("5GA", _GM, "Buick"),
    ("5GR", _GM, "Hummer"),
    ("5GZ", _GM, "Saturn"),
    # United States: Japanese, Korean and European makers' plants
    ("1HG", _HONDA_US, "Honda"),
    ("1HF", _HONDA_US, "Honda"),
    ("19U", _HONDA_US, "Acura"),
    ("19X", _HONDA_US, "Honda"),
    ("5FN", "American Honda Motor Co.", "Honda"),
    ("5FP", "American Honda Motor Co.", "Honda"),
    ("5J6", "American Honda Motor Co.", "Honda"),
    ("5J8", "American Honda Motor Co.", "Acura"),
    ("1NX", "New United Motor Manufacturing (NUMMI)", "Toyota"),
    ("4T1", "Toyota Motor Manufacturing Kentucky", "Toyota"),
    ("4T3", _TOYOTA_US, "Toyota"),
    ("5TB", _TOYOTA_US, "Toyota"),
    ("5TD", _TOYOTA_US, "Toyota"),
    ("5TE", _TOYOTA_US, "Toyota"),
    ("5TF", _TOYOTA_US, "Toyota"),
    ("5YF", _TOYOTA_US, "Toyota"),
    ("1N4", _NISSAN_US, "Nissan"),
    ("1N6", _NISSAN_US, "Nissan"),
    ("5N1", _NISSAN_US, "Nissan"),
    ("5N3", _NISSAN_US, "Infiniti"),
    ("1YV", "AutoAlliance International (Mazda)", "Mazda"),
    ("4F2", _MAZDA, "Mazda"),
    ("4F4", _MAZDA, "Mazda"),
    ("4S3", _SUBARU_US, "Subaru"),
    ("4S4", _SUBARU_US, "Subaru"),
    ("4A3", "Mitsubishi Motors North America", "Mitsubishi"),
    ("4A4", "Mitsubishi Motors North America", "Mitsubishi"),
    ("5NM", "Hyundai Motor Manufacturing Alabama", "Hyundai"),
    ("5NP", "Hyundai Motor Manufacturing Alabama", "Hyundai"),
    ("5XX", "Kia Georgia", "Kia"),
    ("5XY", "Kia Georgia", None),
    ("1VW", "Volkswagen Group of America (Chattanooga)", "Volkswagen"),
    ("4US", _BMW_US, "BMW"),
    ("5UX", _BMW_US, "BMW"),
    ("4JG", _MERCEDES_US, "Mercedes-Benz"),
    ("55S", _MERCEDES_US, "Mercedes-Benz"),
    ("5YJ", _TESLA, "Tesla"),
    ("7SA", _TESLA, "Tesla"),
    ("1HD", "Harley-Davidson Motor Company", "Harley-Davidson"),
    ("137", "AM General", None),
    # United States: trucks, buses and trailers
    ("1FU", _FREIGHTLINER, "Freightliner"),
    ("1FV", _FREIGHTLINER, "Freightliner"),
    ("4UZ", "Freightliner Custom Chassis", None),
    ("1XK", "Kenworth (PACCAR)", "Kenworth"),
    ("1XP", "Peterbilt (PACCAR)", "Peterbilt"),
    ("1M1", "Mack Trucks", "Mack"),
    ("1M2", "Mack Trucks", "Mack"),
    ("1HT", "International (Navistar)", "International"),
    ("4V4", "Volvo Trucks North America", "Volvo"),
    ("1M8", "Motor Coach Industries", "Motor Coach Industries"),
    ("1BA", "Blue Bird Corporation", "Blue Bird"),
    ("1UY", "Utility Trailer Manufacturing", "Utility"),
    ("1GR", "Great Dane", "Great Dane"),
    ("1JJ", "Wabash National", "Wabash"),
    # Canada
    ("2B3", _CHRYSLER, "Dodge"),
    ("2C3", _CHRYSLER, None),
    ("2C4", _CHRYSLER, None),
    ("2D4", _CHRYSLER, "Dodge"),
    ("2FA", _FORD_CANADA, "Ford"),
    ("2FM", _FORD_CANADA, "Ford"),
    ("2FT", _FORD_CANADA, "Ford"),
    ("2LM", _FORD_CANADA, "Lincoln"),
    ("2ME", _FORD_CANADA, "Mercury"),
    ("2G1", _GM_CANADA, "Chevrolet"),
    ("2G2", _GM_CANADA, "Pontiac"),
    ("2G4", _GM_CANADA, "Buick"),
    ("2GC", _GM_CANADA, "Chevrolet"),
    ("2GK", _GM_CANADA, "GMC"),
    ("2GN", _GM_CANADA, "Chevrolet"),
    ("2GT", _GM_CANADA, "GMC"),
    ("2CN", "CAMI Automotive (GM)", "Chevrolet"),
    ("2HG", _HONDA_CANADA, "Honda"),
    ("2HK", _HONDA_CANADA, "Honda"),
    ("2HN", _HONDA_CANADA, "Acura"),
    ("2T1", _TOYOTA_CANADA, "Toyota"),
    ("2T2", _TOYOTA_CANADA, "Lexus"),
    ("2T3", _TOYOTA_CANADA, "Toyota"),
    # Mexico
    ("3C3", _CHRYSLER, None),
    ("3C4", _CHRYSLER, None),
    ("3C6", _CHRYSLER, None),
    ("3D4", _CHRYSLER, "Dodge"),
    ("3D7", _CHRYSLER, None),
    ("3FA", _FORD_MEXICO, "Ford"),
    ("3LN", _FORD_MEXICO, "Lincoln"),
    ("3ME", _FORD_MEXICO, "Mercury"),
    ("3GC", _GM_MEXICO, "Chevrolet"),
    ("3GN", _GM_MEXICO, "Chevrolet"),
    ("3GT", _GM_MEXICO, "GMC"),
    ("3CZ", "Honda de México", "Honda"),
    ("3N1", "Nissan Mexicana", "Nissan"),
    ("3TM", "Toyota Motor Manufacturing de Baja California", "Toyota"),
    ("3MZ", "Mazda de México", "Mazda"),
    ("3KP", "Kia México", "Kia"),
    ("3VV", "Volkswagen de México", "Volkswagen"),
    ("3VW", "Volkswagen de México", "Volkswagen"),
    ("3AK", "Freightliner (Mexico)", "Freightliner"),
    # Japan
    ("JHM", _HONDA, "Honda"),
    ("JHL", _HONDA, "Honda"),
    ("JH4", _HONDA, "Acura"),
    ("JH2", _HONDA, "Honda"),
    ("JT2", _TOYOTA, "Toyota"),
    ("JT3", _TOYOTA, "Toyota"),
    ("JT4", _TOYOTA, "Toyota"),
    ("JTD", _TOYOTA, "Toyota"),
    ("JTE", _TOYOTA, "Toyota"),
    ("JTK", _TOYOTA, None),
    ("JTM", _TOYOTA, "Toyota"),
    ("JT6", _TOYOTA, "Lexus"),
    ("JT8", _TOYOTA, "Lexus"),
    ("JTH", _TOYOTA, "Lexus"),
    ("JTJ", _TOYOTA, "Lexus"),
    ("JN1", _NISSAN, None),
    ("JN8", _NISSAN, None),
    ("JNK", _NISSAN, "Infiniti"),
    ("JNR", _NISSAN, "Infiniti"),
    ("JM1", _MAZDA, "Mazda"),
    ("JM3", _MAZDA, "Mazda"),
    ("JMZ", _MAZDA, "Mazda"),
    ("JF1", _SUBARU, "Subaru"),
    ("JF2", _SUBARU, "Subaru"),
    ("JA3", _MITSUBISHI, "Mitsubishi"),
    ("JA4", _MITSUBISHI, "Mitsubishi"),
    ("JMB", _MITSUBISHI, "Mitsubishi"),
    ("JS1", _SUZUKI, "Suzuki"),
    ("JS2", _SUZUKI, "Suzuki"),
    ("JS3", _SUZUKI, "Suzuki"),
    ("JSA", _SUZUKI, "Suzuki"),
    ("JAC", "Isuzu Motors", "Isuzu"),
    ("JAL", "Isuzu Motors", "Isuzu"),
    ("JL6", "Mitsubishi Fuso Truck and Bus", "Mitsubishi Fuso"),
    ("JYA", "Yamaha Motor Co.", "Yamaha"),
    ("JKA", "Kawasaki Heavy Industries", "Kawasaki"),
    # South Korea
    ("KMH", _HYUNDAI, "Hyundai"),
    ("KM8", _HYUNDAI, "Hyundai"),
    ("KMT", _HYUNDAI, "Genesis"),
    ("KNA", _KIA, "Kia"),
    ("KND", _KIA, "Kia"),
    ("KNM", "Renault Samsung Motors", None),
    ("KL1", _GM_KOREA, "Chevrolet"),
    ("KL4", _GM_KOREA, "Buick"),
    ("KL7", _GM_KOREA, "Chevrolet"),
    ("KL8", _GM_KOREA, "Chevrolet"),
    ("KPT", "SsangYong Motor", "SsangYong"),
    # China
    ("LFV", "FAW-Volkswagen", None),
    ("LSV", "SAIC Volkswagen", None),
    ("LSG", "SAIC-GM", None),
    ("LRB", "SAIC-GM", None),
    ("LVS", "Changan Ford", "Ford"),
    ("LDC", "Dongfeng Peugeot-Citroën", None),
    ("LHG", "GAC Honda", "Honda"),
    ("LVH", "Dongfeng Honda", "Honda"),
    ("LVG", "GAC Toyota", "Toyota"),
    ("LTV", "FAW Toyota (Tianjin)", "Toyota"),
    ("LBV", "BMW Brilliance Automotive", "BMW"),
    ("LE4", "Beijing Benz", "Mercedes-Benz"),
    ("LBE", "Beijing Hyundai", "Hyundai"),
    ("LJD", "Dongfeng Yueda Kia", "Kia"),
    ("LRW", "Tesla (Shanghai)", "Tesla"),
    ("LYV", "Volvo Cars (China)", "Volvo"),
    ("LVY", "Volvo Cars (China)", "Volvo"),
    ("LPS", "Polestar", "Polestar"),
    ("LGX", "BYD Auto", "BYD"),
    ("LC0", "BYD Auto", "BYD"),
    ("L6T", "Geely Automobile", "Geely"),
    ("LGW", "Great Wall Motor", None),
    ("LZW", "SAIC-GM-Wuling", None),
    ("LSJ", "SAIC Motor", None),
    ("LVV", "Chery Automobile", None),
    # India, Turkey, Thailand
    ("MA1", "Mahindra & Mahindra", "Mahindra"),
    ("MA3", "Maruti Suzuki India", None),
    ("MAJ", "Ford India", "Ford"),
    ("MAL", "Hyundai Motor India", "Hyundai"),
    ("MAT", "Tata Motors", "Tata"),
    ("MD2", "Bajaj Auto", None),
    ("NM0", "Ford Otosan", "Ford"),
    ("NMT", "Toyota Motor Manufacturing Turkey", "Toyota"),
    ("MR0", "Toyota Motor Thailand", "Toyota"),
    ("MLH", "Thai Honda", "Honda"),
    # United Kingdom
    ("SAJ", "Jaguar Cars", "Jaguar"),
    ("SAD", "Jaguar Land Rover", "Jaguar"),
    ("SAL", "Land Rover", "Land Rover"),
    ("SAR", "Rover Group", None),
    ("SCA", "Rolls-Royce Motor Cars", "Rolls-Royce"),
    ("SCB", "Bentley Motors", "Bentley"),
    ("SCC", "Lotus Cars", "Lotus"),
    ("SCE", "DeLorean Motor Cars", "DeLorean"),
    ("SCF", "Aston Martin Lagonda", "Aston Martin"),
    ("SBM", "McLaren Automotive", "McLaren"),
    ("SHH", "Honda of the UK Manufacturing", "Honda"),
    ("SHS", "Honda of the UK Manufacturing", "Honda"),
    ("SJN", "Nissan Motor Manufacturing UK", "Nissan"),
    ("SB1", "Toyota Manufacturing UK", "Toyota"),
    ("SMT", "Triumph Motorcycles", "Triumph"),
    # Germany
    ("WAU", _AUDI, "Audi"),
    ("WA1", _AUDI, "Audi"),
    ("WUA", "Audi Sport (quattro GmbH)", "Audi"),
    ("WBA", _BMW, "BMW"),
    ("WBS", _BMW, "BMW"),
    ("WBX", _BMW, "BMW"),
    ("WBY", _BMW, "BMW"),
    ("WB1", _BMW, "BMW"),
    ("WMW", _BMW, "MINI"),
    ("WAP", "Alpina Burkard Bovensiepen", "Alpina"),
    ("WDB", _MERCEDES, "Mercedes-Benz"),
    ("WDC", _MERCEDES, "Mercedes-Benz"),
    ("WDD", _MERCEDES, "Mercedes-Benz"),
    ("W1K", _MERCEDES, "Mercedes-Benz"),
    ("W1N", _MERCEDES, "Mercedes-Benz"),
    ("WME", "smart (Daimler)", "smart"),
    ("WEB", "EvoBus (Daimler Buses)", None),
    ("WKK", "Karl Kässbohrer / EvoBus", "Setra"),
    ("WMA", "MAN Truck & Bus", "MAN"),
    ("WP0", "Porsche AG", "Porsche"),
    ("WP1", "Porsche AG", "Porsche"),
    ("WVW", _VW, "Volkswagen"),
    ("WVG", _VW, "Volkswagen"),
    ("WV1", _VW, "Volkswagen"),
    ("WV2", _VW, "Volkswagen"),
    ("WF0", "Ford-Werke (Germany)", "Ford"),
    ("W0L", "Opel (Adam Opel)", None),
    ("W0V", "Opel (Adam Opel)", None),
    # France
    ("VF1", "Renault", "Renault"),
    ("VF3", "Peugeot (PSA)", "Peugeot"),
    ("VF6", "Renault Trucks", "Renault Trucks"),
    ("VF7", "Citroën (PSA)", "Citroën"),
    ("VR1", "DS Automobiles (Stellantis)", "DS"),
    ("VR3", "Peugeot (Stellantis)", "Peugeot"),
    ("VR7", "Citroën (Stellantis)", "Citroën"),
    ("VNK", "Toyota Motor Manufacturing France", "Toyota"),
    # Spain, Italy, and the rest of Europe
    ("VSS", "SEAT", None),
    ("VWV", "Volkswagen Navarra", "Volkswagen"),
    ("VS6", "Ford España", "Ford"),
    ("VSK", "Nissan Motor Ibérica", "Nissan"),
    ("VSA", "Mercedes-Benz España", "Mercedes-Benz"),
    ("ZFA", "Fiat", "Fiat"),
    ("ZFB", "Fiat (FCA Italy)", None),
    ("ZAR", "Alfa Romeo", "Alfa Romeo"),
    ("ZLA", "Lancia", "Lancia"),
    ("ZAM", "Maserati", "Maserati"),
    ("ZFF", "Ferrari", "Ferrari"),
    ("ZHW", "Automobili Lamborghini", "Lamborghini"),
    ("ZCF", "Iveco", "Iveco"),
    ("ZDM", "Ducati Motor Holding", "Ducati"),
    ("ZD4", "Aprilia", "Aprilia"),
    ("ZGU", "Moto Guzzi", "Moto Guzzi"),
    ("ZAP", "Piaggio", None),
    ("YV1", _VOLVO_CARS, "Volvo"),
    ("YV4", _VOLVO_CARS, "Volvo"),
    ("YV2", "Volvo Trucks", "Volvo"),
    ("YV3", "Volvo Buses", "Volvo"),
    ("YS2", "Scania", "Scania"),
    ("YS3", "Saab Automobile", "Saab"),
    ("YE2", "Van Hool", "Van Hool"),
    ("XLR", "DAF Trucks", "DAF"),
    ("XP7", "Tesla (Berlin-Brandenburg)", "Tesla"),
    ("TMB", "Škoda Auto", "Škoda"),
    ("TMA", "Hyundai Motor Manufacturing Czech", "Hyundai"),
    ("TRU", "Audi Hungaria", "Audi"),
    ("TSM", "Magyar Suzuki", "Suzuki"),
    ("UU1", "Automobile Dacia", None),
    ("U5Y", "Kia Slovakia", "Kia"),
    ("U6Y", "Kia Slovakia", "Kia"),
    ("VBK", "KTM", "KTM"),
    ("XTA", "AvtoVAZ", "Lada"),
    ("XTC", "KAMAZ", "KAMAZ"),
    ("XTH", "GAZ", "GAZ"),
    ("XTT", "UAZ", "UAZ"),
    # Oceania and South America
    ("6G1", _HOLDEN, "Holden"),
    ("6G2", _HOLDEN, "Pontiac"),
    ("6G3", _HOLDEN, "Chevrolet"),
    ("6FP", "Ford Australia", "Ford"),
    ("6T1", "Toyota Motor Corporation Australia", "Toyota"),
    ("6MM", "Mitsubishi Motors Australia", "Mitsubishi"),
    ("9BW", "Volkswagen do Brasil", "Volkswagen"),
    ("9BG", "General Motors do Brasil", "Chevrolet"),
    ("9BD", "Fiat Automóveis (Brazil)", "Fiat"),
    ("9BF", "Ford Brazil", "Ford"),
    ("9BM", "Mercedes-Benz do Brasil", "Mercedes-Benz"),
    ("9BR", "Toyota do Brasil", "Toyota"),
    ("8AF", "Ford Argentina", "Ford"),
    ("8AG", "General Motors de Argentina", "Chevrolet"),
    ("8AJ", "Toyota Argentina", "Toyota"),
    ("8AP", "Fiat Auto Argentina", "Fiat"),
    ("8AW", "Volkswagen Argentina", "Volkswagen"),
    # Not in vPIC; each listed in the WMI table of vininfo 1.11.0 (PyPI, BSD-3-Clause,
    # vininfo/dicts/wmi.py), which follows Wikipedia's WMI list, and seen on real VINs:
    ("YAR", "Toyota Motor Europe", "Toyota"),  # Proace vans built for Toyota by Stellantis
    ("6H8", "GM Holden", "Holden"),
    ("92T", "Bajaj do Brasil", "Bajaj"),  # motorcycles assembled in Manaus
)

# Curated WMIs whose own country is not the one their ISO 3780 range names: Tesla's Grünheide
# plant holds XP7, inside the Netherlands' XL-XR range, from Germany.
SUPPLEMENT_COUNTRIES: Final = MappingProxyType({"XP7": "Germany"})

# WMIs held only by makers of heavy trucks, buses or trailers: Part 565's position-7 model-year
# rule binds vehicles up to 10,000 lb GVWR, so for these position 7 says nothing about the year.
HEAVY_VEHICLE_WMIS: Final = frozenset(
    {"1FU", "1FV", "4UZ", "1XK", "1XP", "1M1", "1M2", "1HT", "4V4", "1M8", "1BA", "3AK"}
    | {"1UY", "1GR", "1JJ"}
)

# Small manufacturers (position 3 is "9") are identified by the WMI plus positions 12-14; none is
# listed yet because no such assignment could be confirmed, so all of them decode as unknown.
SMALL_MANUFACTURER_ASSIGNMENTS: Final[tuple[tuple[str, str, str | None], ...]] = ()
