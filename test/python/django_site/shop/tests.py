"""manage.py test shop: TestCase (each test in a transaction rolled back at
its end, with SET CONSTRAINTS ALL IMMEDIATE to check deferred foreign keys)
and TransactionTestCase (tables flushed with TRUNCATE after each test)."""
from django.db import IntegrityError, connection, transaction
from django.test import TestCase, TransactionTestCase

from .models import Author, Book, Publisher


class ShopTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.ann = Author.objects.create(name="Ann", email="ann@example.com")
        cls.pub = Publisher.objects.create(name="Pub")

    def test_create_and_query(self):
        Book.objects.create(title="A", isbn="1", author=self.ann, editor=self.pub)
        Book.objects.create(title="B", isbn="2", author=self.ann)
        self.assertEqual(list(self.ann.book_set.order_by("title").values_list("title", flat=True)), ["A", "B"])
        self.assertEqual(self.pub.edited_books.count(), 1)

    def test_unique_together(self):
        Book.objects.create(title="A", isbn="1")
        with self.assertRaises(IntegrityError), transaction.atomic():
            Book.objects.create(title="A", isbn="1")
        # the unique constraint on Author.name was dropped by 0002
        Author.objects.create(name="Ann", email="other@example.com")

    def test_set_null_and_cascade(self):
        bob = Author.objects.create(name="Bob", email="bob@example.com")
        pub2 = Publisher.objects.create(name="Pub2")
        book = Book.objects.create(title="C", isbn="3", author=bob, editor=pub2)
        bob.delete()
        book.refresh_from_db()
        self.assertIsNone(book.author_id)
        pub2.delete()
        self.assertFalse(Book.objects.filter(pk=book.pk).exists())

    def test_deferred_fk_violation(self):
        # Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: the
        # orphan is caught when the constraints are checked.
        with self.assertRaises(IntegrityError), transaction.atomic():
            Book.objects.create(title="D", isbn="4", author_id=999999)
            connection.check_constraints()

    def test_dropped_fk_is_gone(self):
        # 0002 turned publisher into a plain integer column
        Book.objects.create(title="E", isbn="5", publisher=999999)
        connection.check_constraints()


class ShopTransactionTests(TransactionTestCase):
    def test_commit_and_flush(self):
        with transaction.atomic():
            Author.objects.create(name="Cy", email="cy@example.com")
        self.assertEqual(Author.objects.count(), 1)
        with self.assertRaises(IntegrityError), transaction.atomic():
            Book.objects.create(title="F", isbn="6", author_id=999999)
