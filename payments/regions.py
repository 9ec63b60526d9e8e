"""Customer country (ISO 3166-1 alpha-2) -> processing region."""

from __future__ import annotations

from payments.models import Region

_BY_REGION = {
    Region.NORTH_AMERICA: "US CA",
    Region.LATIN_AMERICA: "MX BR AR CL CO PE UY EC BO PY VE CR PA DO GT",
    Region.EUROPE: "GB IE FR DE NL BE LU ES PT IT CH AT DK SE NO FI IS PL CZ SK HU RO BG GR HR SI EE LV LT CY MT UA RS",
    Region.ASIA_PACIFIC: "IN JP CN HK TW KR SG MY TH ID PH VN AU NZ BD LK PK NP",
    Region.MIDDLE_EAST_AFRICA: "AE SA KW QA BH OM IL TR EG MA NG KE ZA GH TZ JO LB",
}
COUNTRY_REGION: dict[str, str] = {country: region for region, codes in _BY_REGION.items() for country in codes.split()}


def region_for(country: str) -> str | None:
    return COUNTRY_REGION.get(country.upper())
