"""Posted properties → validated records ready for the store, with pointed errors."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from bluewatch.errors import FieldError, InvalidInput, validation_errors
from bluewatch.geo import MAX_REPORTED_ERRORS, FeatureInput
from bluewatch.layers.spec import READ_ONLY_PROPERTIES, LayerProperties, LayerSpec


def validate_properties(
    spec: LayerSpec, properties: dict[str, Any], pointer: str
) -> LayerProperties:
    writable = {k: v for k, v in properties.items() if k not in READ_ONLY_PROPERTIES}
    try:
        return spec.properties_model.model_validate(writable)
    except ValidationError as error:
        raise InvalidInput(
            "Properties are not valid.", validation_errors(error, f"{pointer}/properties")
        ) from None


def records_from_features(spec: LayerSpec, features: list[FeatureInput]) -> list[dict[str, Any]]:
    """Validate every feature's properties; report all failures together."""
    records: list[dict[str, Any]] = []
    errors: list[FieldError] = []
    seen_keys: dict[tuple[str, str], str] = {}
    for feature in features:
        try:
            properties = validate_properties(spec, feature.properties, feature.pointer)
        except InvalidInput as invalid:
            errors.extend(invalid.errors)
            if len(errors) >= MAX_REPORTED_ERRORS:
                break
            continue
        record = properties.model_dump(mode="json")
        record["geometry"] = feature.geometry
        key = (properties.external_source, properties.external_id)
        if key[0] is not None and key[1] is not None:
            first = seen_keys.setdefault((key[0], key[1]), feature.pointer)
            if first != feature.pointer:
                errors.append(
                    FieldError(
                        f"{feature.pointer}/properties/external_id",
                        f"repeats the external key of {first or '/'} in the same request",
                    )
                )
        records.append(record)
    if errors:
        raise InvalidInput(
            f"{errors[0].pointer}: {errors[0].message}", errors[:MAX_REPORTED_ERRORS]
        )
    return records
