"""A starter directory of national partners per country, from ../shared/FACTS.md.

Only names, kinds, cities and services are given; addresses, phones and hours are left for a
manager to fill in from the organisation itself rather than invented here.
"""

STARTER_PARTNERS = [
    # Pakistan
    dict(country="PK", name="Bureau of Emigration and Overseas Employment (BEOE)", kind="government",
         city="Islamabad", services="emigration_registration recruiter_verification"),
    dict(country="PK", name="Protectorate of Emigrants, Islamabad/Rawalpindi", kind="government",
         city="Rawalpindi", services="emigration_registration recruiter_verification"),
    dict(country="PK", name="Protectorate of Emigrants, Lahore", kind="government", city="Lahore",
         services="emigration_registration recruiter_verification"),
    dict(country="PK", name="Overseas Employment Corporation (OEC)", kind="government",
         city="Islamabad", services="public_recruitment"),
    dict(country="PK", name="Overseas Pakistanis Foundation (OPF)", kind="government",
         city="Islamabad", services="welfare reintegration"),
    dict(country="PK", name="Federal Investigation Agency (FIA)", kind="law_enforcement",
         city="Islamabad", services="trafficking_complaint"),
    dict(country="PK", name="National University of Technology (NUTECH)", kind="training",
         city="Islamabad", services="skills_training"),
    # Bangladesh
    dict(country="BD", name="Bureau of Manpower, Employment and Training (BMET)", kind="government",
         city="Dhaka", services="emigration_registration recruiter_verification skills_training"),
    dict(country="BD", name="Bangladesh Overseas Employment and Services Limited (BOESL)",
         kind="government", city="Dhaka", services="public_recruitment"),
    dict(country="BD", name="Wage Earners' Welfare Board", kind="government", city="Dhaka",
         services="welfare reintegration"),
    # Iraq
    dict(country="IQ", name="Ministry of Migration and Displacement (MoMD)", kind="government",
         city="Baghdad", services="displacement reintegration"),
]
