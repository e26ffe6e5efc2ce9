# The bare figures leave the measure once 0018 has carried them into the registers; apart,
# because PostgreSQL refuses to alter a table with the data step's pending FK checks.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("rectification", "0024_outcome_registers_rounds"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='measure',
            name='measure_money_not_negative',
        ),
        migrations.RemoveField(
            model_name='historicalmeasure',
            name='money_recovered',
        ),
        migrations.RemoveField(
            model_name='historicalmeasure',
            name='people_handled',
        ),
        migrations.RemoveField(
            model_name='historicalmeasure',
            name='rules_made',
        ),
        migrations.RemoveField(
            model_name='measure',
            name='money_recovered',
        ),
        migrations.RemoveField(
            model_name='measure',
            name='people_handled',
        ),
        migrations.RemoveField(
            model_name='measure',
            name='rules_made',
        ),
    ]
