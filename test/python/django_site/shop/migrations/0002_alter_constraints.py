"""Alters and drops what 0001 made: Django finds each constraint and index
by introspection (pg_constraint, pg_index with unnest(indkey, indoption)
WITH ORDINALITY) before it drops it."""
from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        # a unique constraint dropped, an index dropped
        migrations.AlterField(model_name="author", name="name", field=models.CharField(max_length=100)),
        migrations.AlterField(model_name="author", name="email", field=models.CharField(max_length=100)),
        # a unique constraint altered (dropped and made again on other columns)
        migrations.AlterUniqueTogether(name="book", unique_together={("title", "isbn")}),
        # an index replaced
        migrations.RemoveIndex(model_name="book", name="book_title_idx"),
        migrations.AddIndex(model_name="book", index=models.Index(fields=["isbn", "title"], name="book_isbn_title_idx")),
        # foreign keys: one made nullable with another action, one pointed
        # at another table, one dropped (the column stays)
        migrations.AlterField(
            model_name="book",
            name="author",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, to="shop.author"),
        ),
        migrations.AlterField(
            model_name="book",
            name="editor",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE, related_name="edited_books", to="shop.publisher"),
        ),
        migrations.AlterField(
            model_name="book",
            name="publisher",
            field=models.IntegerField(db_column="publisher_id", null=True),
        ),
    ]
