"""A decision is keyed by the kind of list too (a body's insured #123 and its dependant #123
are two people); the kinds of existing decisions are those of a pair they decide."""

from django.db import migrations, models

KINDS = [("members", "Adhérents"), ("insured", "Assurés"), ("dependants", "Ayants droit")]


def fill_kinds(apps, schema_editor):
    ReviewDecision = apps.get_model("enrolment_control", "ReviewDecision")
    CandidatePair = apps.get_model("enrolment_control", "CandidatePair")
    for decision in ReviewDecision.objects.all():
        pair = (
            CandidatePair.objects.filter(decision=decision)
            .select_related("entry_a__submitted_list__organisation",
                            "entry_b__submitted_list__organisation")
            .first()
        )
        if pair is None:
            continue
        for entry in (pair.entry_a, pair.entry_b):
            submitted = entry.submitted_list
            if (submitted.organisation_id, entry.record_id) == (
                decision.body_a_id, decision.record_a
            ) and not decision.kind_a:
                decision.kind_a = submitted.kind
            elif (submitted.organisation_id, entry.record_id) == (
                decision.body_b_id, decision.record_b
            ):
                decision.kind_b = submitted.kind
        decision.save(update_fields=["kind_a", "kind_b"])


class Migration(migrations.Migration):
    dependencies = [("enrolment_control", "0004_queue_cards_notices")]

    operations = [
        migrations.RemoveConstraint(model_name="reviewdecision", name="decision_once_per_pair"),
        migrations.AddField(
            model_name="reviewdecision",
            name="kind_a",
            field=models.CharField(choices=KINDS, default="", max_length=12),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="reviewdecision",
            name="kind_b",
            field=models.CharField(choices=KINDS, default="", max_length=12),
            preserve_default=False,
        ),
        migrations.RunPython(fill_kinds, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="reviewdecision",
            constraint=models.UniqueConstraint(
                fields=["body_a", "kind_a", "record_a", "body_b", "kind_b", "record_b"],
                name="decision_once_per_pair",
            ),
        ),
    ]
