from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Author",
            fields=[
                ("id", models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=100, unique=True)),
                ("email", models.CharField(db_index=True, max_length=100)),
            ],
        ),
        migrations.CreateModel(
            name="Publisher",
            fields=[
                ("id", models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=100, unique=True)),
            ],
        ),
        migrations.CreateModel(
            name="Book",
            fields=[
                ("id", models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("title", models.CharField(max_length=200)),
                ("isbn", models.CharField(max_length=20)),
                ("author", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="shop.author")),
                ("editor", models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name="edited_books", to="shop.author")),
                ("publisher", models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, to="shop.publisher")),
            ],
            options={"unique_together": {("title", "author")}},
        ),
        migrations.AddIndex(
            model_name="book",
            index=models.Index(fields=["title"], name="book_title_idx"),
        ),
    ]
