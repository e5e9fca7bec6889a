@blog
Feature: Readers read the blog as its writers wrote it
  In order to trust what I read on The Publication
  As a reader
  I want the published posts, newest first, each shown exactly as its writer wrote it

  Rule: The front page lists the published posts, newest first, ten a page

    Scenario: The front page lists the published posts, newest first
      Given these published posts
        | title       | days old |
        | Oldest news | 3        |
        | Middle news | 2        |
        | Latest news | 1        |
      When a reader visits "/"
      Then the reader sees the posts in this order: "Latest news", "Middle news", "Oldest news"

    Scenario: The second page of the index lists the older posts
      Given 12 published posts titled "Day" 01 to 12, one a day
      When a reader visits "/?page=2"
      Then the reader sees the posts in this order: "Day 02", "Day 01"
      And the reader does not see "Day 03"

    Scenario: A draft is not listed
      Given a draft post "Next month" at "/blog/next-month/"
      When a reader visits "/"
      Then the reader does not see "Next month"

  Rule: A post reads exactly as written

    Scenario: A post's markup is shown as text and never run
      Given a published post "Scripts" at "/blog/scripts/" with the body "Try <script>alert('hi')</script> at home."
      When a reader visits "/blog/scripts/"
      Then the reader sees "Try <script>alert('hi')</script> at home."
      And the page runs no script an author wrote

    Scenario: A post with a unicode title and address is served from memcached
      Given a published post "Café in 東京" at "/blog/café-東京/"
      And a reader has visited "/blog/café-東京/"
      When another reader visits "/blog/café-東京/"
      Then the page is served from memcached
      And the reader sees "Café in 東京"

  Rule: What is not published gets the site's own page-not-found page

    Scenario: A draft is not shown
      Given a draft post "Next month" at "/blog/next-month/"
      When a reader visits "/blog/next-month/"
      Then the reader gets the site's page-not-found page

    Scenario: An unknown post gets the site's own page-not-found page
      When a reader visits "/blog/no-such-post/"
      Then the reader gets the site's page-not-found page
