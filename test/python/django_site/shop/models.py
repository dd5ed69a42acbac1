"""The shop app's models as they stand after migration 0002 (which drops
and alters the unique constraints, indexes and foreign keys 0001 made)."""
from django.db import models


class Author(models.Model):
    name = models.CharField(max_length=100)  # 0001: unique
    email = models.CharField(max_length=100)  # 0001: db_index


class Publisher(models.Model):
    name = models.CharField(max_length=100, unique=True)


class Book(models.Model):
    title = models.CharField(max_length=200)
    isbn = models.CharField(max_length=20)
    # 0001: CASCADE, NOT NULL
    author = models.ForeignKey(Author, models.SET_NULL, null=True)
    # 0001: a foreign key to Author
    editor = models.ForeignKey(Publisher, models.CASCADE, null=True, related_name="edited_books")
    # 0001: a foreign key to Publisher; 0002 drops the constraint
    publisher = models.IntegerField(null=True, db_column="publisher_id")

    class Meta:
        unique_together = [("title", "isbn")]  # 0001: (title, author)
        indexes = [models.Index(fields=["isbn", "title"], name="book_isbn_title_idx")]  # 0001: book_title_idx
